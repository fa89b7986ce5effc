"""The firewall openings a tenant's network needs for VDX, derived from the platform's live configuration.

`derive` is pure (configuration in, table and notes out) and unit-tested; `collect` reads the live
configuration and the tree; `render` formats the table as text, CSV or Markdown. See
docs/statistics.md for what each row is derived from.
"""
