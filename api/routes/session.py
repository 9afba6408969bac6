"""The signed-in session of the pages, as every door reads it: a signed cookie holding the
user's id, their session version (signing out or a new password ends every session) and when it
was last used. The JSON API accepts it too (`api.routes.deps`, with a CSRF or Origin check),
`api.routes.gate` resolves the page's actor before a body is read, and the pages (`api.pages`)
sign in and out. Left out: the sign-in form itself (`api.pages.auth`) and the layout.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from api.registry.db import User
from api.workflow.users import Actor

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
SESSION_VERSION = "sv"
SESSION_SEEN = "seen"

SESSION_IDLE = 8 * 3600
"""A session unused this long (seconds) has expired. The cookie itself lives longer
(`COOKIE_AGE`), so that a page asked with an expired session can say so."""
COOKIE_AGE = 14 * 24 * 3600


def session_user(request: Request, user: User | None) -> User | None:
    """`user` if the request's session was opened under their current session version (not
    signed out since, no new password since) and used within SESSION_IDLE; None otherwise.
    Each use renews it."""
    if user is None or request.session.get(SESSION_VERSION) != user.session_version:
        return None
    if user.disabled_at is not None:
        return None
    seen = request.session.get(SESSION_SEEN)
    now = int(time.time())
    if not isinstance(seen, int) or not 0 <= now - seen <= SESSION_IDLE:
        return None
    request.session[SESSION_SEEN] = now
    return user


class LoginRequired(Exception):
    """No one is signed in: the app answers with the sign-in page's address (api/app.py)."""

    def __init__(self, next_path: str, *, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


def page_actor(request: Request) -> Actor:
    """The user signed in to the pages; LoginRequired otherwise. Found once per request
    (api/routes/gate.py asks before the body is read; the route's dependency gets the same)."""
    found = getattr(request.state, "hoso_page_actor", None)
    if isinstance(found, Actor):
        return found
    user_id = request.session.get(SESSION_USER)
    expired = isinstance(user_id, int)  # a session that no longer holds: idle, or ended
    if isinstance(user_id, int):
        services = request.app.state.services
        with services.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            user = session_user(request, session.get(User, user_id))
            if user is not None:
                request.state.hoso_page_actor = actor = Actor.of(user)
                return actor
    request.session.clear()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(path, expired=expired)


def page_actor_dependency(request: Request) -> Actor:
    """`page_actor` as a dependency."""
    return page_actor(request)


PageActor = Annotated[Actor, Depends(page_actor_dependency)]
