"""The use cases, once each, with their permission and validation rules inside them: generate,
score, send for signature, sign, issue, revoke, replace, archive, export, verify, users.

The command line, the JSON API and the pages all call these; none of them is imported here.
Below: `api.registry`, `signing`, `docgen`.
"""
