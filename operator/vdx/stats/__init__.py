"""Usage statistics from Pexip's history API, per tenant and per day, for Excel and Power BI.

Pure parts (no I/O): `attribution` (which tenant a meeting belongs to), `aggregate` (the daily
figures), `periods` (days, fetch windows, the incremental state's bookkeeping). Edges: `fetch`
(history reads through the client), `tables` (CSV), `workbook` (Excel), `export` (the run),
`connect` (tree, credentials and client for the CLI, shared with `vdx ports`).
"""
