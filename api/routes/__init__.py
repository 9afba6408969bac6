"""One APIRouter per file: `verify` (the JSON endpoint) and `pages` (the public pages)."""
