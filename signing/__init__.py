"""Keys, the development PKI, ND 30 signatures and verification (pyHanko adapters).

Empty until the signing work lands; it will use `docgen` and never `api`."""
