"""The outer layer of hoso: the command line now; the HTTP API, web pages, database and
archive store in later work. It uses `docgen` and `signing`; neither of them uses it."""
