"""The VDX phone book ("dynamisk telefonbog"): managed rooms and registered devices, per tenant.

`build` and `view` are pure (resource bodies in, entries out); `formats` renders JSON, CSV and an
XML remote phone book; `live` caches the book the operator serves over HTTP. The same bodies feed
it whether they come from a GitOps tree (`vdx phonebook`) or from the operator's watch, so the
offline export and the served book cannot disagree. See docs/phonebook.md.
"""
