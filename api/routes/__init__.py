"""The JSON API, one APIRouter per resource (`work`, `verify`, `health`), and what the routes
and the pages share (`deps`, `session`, `gate`, `keys`, `upload`, `models`, `errors`, `nul`,
`request_id`): a route module is no library for another."""
