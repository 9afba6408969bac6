"""Sign-in protection: repeated failures for one login or from one address slow every further
try, the right password included, and each sign-in, failure and refusal goes into the audit log.

The rule (`Rule`, pure `locked_until`): once `threshold` failures fall within `window` of the
latest one, sign-in is refused until that latest failure plus a delay that doubles with each
further failure — 1, 2, 4 … minutes, at most `cap`. A login's count starts again after it signs
in; an address's does not (one's own account must not wash a guessing address clean). The
attempts live in the registry (`sign_in_attempts`), so every web process of a deployment
counts the same ones. The attempts are kept a day (`KEPT`, far more than the `window + cap`
the rule reads back) and then pruned (`prune`, an hourly task of the queue); the audit log keeps
every sign-in for good.

Left out: API tokens (32 random bytes, not guessable), CAPTCHAs, alerts to the admin.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.registry.db import AuditEntry, SignInAttempt
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen.errors import SignInThrottled, Unauthenticated

__all__ = ["KEPT", "RULE", "Rule", "locked_until", "prune", "sign_in_guarded"]


@dataclass(frozen=True)
class Rule:
    """How many failures within which time lock sign-in, and for how long."""

    threshold: int = 5
    """Failures of one login within `window` that lock it."""
    address_threshold: int = 10
    """Failures from one address (any login) within `window` that lock it."""
    window: dt.timedelta = dt.timedelta(minutes=15)
    base: dt.timedelta = dt.timedelta(minutes=1)
    """The first lockout; each further failure doubles it."""
    cap: dt.timedelta = dt.timedelta(minutes=60)


RULE = Rule()

KEPT = dt.timedelta(days=1)
"""How long an attempt stays in `sign_in_attempts`: more than any rule reads back."""


def locked_until(
    failures: Iterable[dt.datetime], *, threshold: int, rule: Rule = RULE
) -> dt.datetime | None:
    """When sign-in opens again after `failures` (their times), or None if it is not locked."""
    times = sorted(failures)
    if not times:
        return None
    last = times[-1]
    count = sum(1 for t in times if t > last - rule.window)
    if count < threshold:
        return None
    delay = min(rule.base * (1 << min(count - threshold, 16)), rule.cap)
    return last + delay


def _failures(
    session: Session, *, since: dt.datetime, login: str | None, address: str | None
) -> list[dt.datetime]:
    query = select(SignInAttempt.at).where(
        SignInAttempt.at >= since, SignInAttempt.outcome == "failed"
    )
    if login is not None:
        query = query.where(SignInAttempt.login == login)
        signed_in = session.scalar(
            select(SignInAttempt.at)
            .where(SignInAttempt.login == login, SignInAttempt.outcome == "ok")
            .order_by(SignInAttempt.at.desc())
            .limit(1)
        )
        if signed_in is not None and signed_in > since:
            query = query.where(SignInAttempt.at > signed_in)
    if address is not None:
        query = query.where(SignInAttempt.address == address)
    return list(session.scalars(query))


def _record(session: Session, *, login: str, address: str, outcome: str, now: dt.datetime) -> None:
    session.add(SignInAttempt(at=now, login=login[:64], address=address[:64], outcome=outcome))
    action = {"ok": "sign_in", "failed": "sign_in_failed", "refused": "sign_in_refused"}[outcome]
    session.add(
        AuditEntry(
            at=now,
            actor=f"user:{login}" if outcome == "ok" else f"address:{address}",
            action=action,
            detail={"login": login, "address": address},
        )
    )


def sign_in_guarded(
    sessions: sessionmaker[Session],
    *,
    login: str,
    address: str,
    check: Callable[[Session], Actor],
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    rule: Rule = RULE,
) -> Actor:
    """`check(session)` (the password check, api/users.sign_in) unless `login` or `address` is
    locked out: then SignInThrottled without checking, naming the minutes left. Records the
    success, the failure or the refusal (attempts table and audit log)."""
    login = login.strip().lower()
    moment = now()
    with sessions.begin() as session:
        since = moment - rule.window - rule.cap
        until = max(
            (
                u
                for u in (
                    locked_until(
                        _failures(session, since=since, login=login, address=None),
                        threshold=rule.threshold,
                        rule=rule,
                    ),
                    locked_until(
                        _failures(session, since=since, login=None, address=address),
                        threshold=rule.address_threshold,
                        rule=rule,
                    ),
                )
                if u is not None and u > moment
            ),
            default=None,
        )
        if until is not None:
            _record(session, login=login, address=address, outcome="refused", now=moment)
    if until is not None:
        minutes = max(1, math.ceil((until - moment).total_seconds() / 60))
        raise SignInThrottled(
            f"too many failed sign-ins: try again in {minutes} minute(s)",
            message_vi=f"Đăng nhập sai nhiều lần, thử lại sau {minutes} phút",
            field="password",
            until=until,
        )
    try:
        with sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            actor = check(session)
    except Unauthenticated:
        with sessions.begin() as session:
            _record(session, login=login, address=address, outcome="failed", now=now())
        raise
    with sessions.begin() as session:
        _record(session, login=login, address=address, outcome="ok", now=now())
    return actor


def prune(
    svc: Services, *, now: dt.datetime | None = None, rule: Rule = RULE, kept: dt.timedelta = KEPT
) -> int:
    """Delete the sign-in attempts older than `kept` (at least what `rule` reads back: its
    window and its longest lockout); returns how many went."""
    limit = (now or dt.datetime.now(dt.UTC)) - max(kept, rule.window + rule.cap)
    with svc.sessions.begin() as session:
        gone = session.execute(delete(SignInAttempt).where(SignInAttempt.at < limit))
    return int(getattr(gone, "rowcount", 0) or 0)
