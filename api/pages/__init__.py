"""The web pages, in Vietnamese: the public ones (verification, recipient links) and the
signed-in ones (scoring, dossiers, signing, issuing, archive), with their templates and static
files.

Thin: each page parses a form, calls a use case of `api.workflow` and renders; it shares the
HTTP plumbing of `api.routes.deps` (and its siblings named in `api.routes`), never a JSON route.
"""
