"""The registry: the database (models, migrations), numbering without gaps, the archive store
and the crash journal that keeps the two consistent.

It knows nothing of who asks or how (no use case, no HTTP, no command): `api.workflow` decides,
the registry records.
"""
