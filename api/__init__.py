"""The service around `docgen` and `signing` (neither of which uses it), split by job:
`registry` (database, numbering, archive store, crash journal), `workflow` (the use cases, once
each), `routes` (the JSON API and the HTTP plumbing it shares with the pages), `pages` (the web
pages) and `cli` (the `hoso` commands); `app` assembles, `settings` configures. The arrows point
one way (tests/unit/test_layers.py): cli, routes, pages → workflow → registry."""
