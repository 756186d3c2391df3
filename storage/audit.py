"""The audit log: who did what in an admin function, to which id, and when.

`record_audit` is the one writer of audit rows, for every feature (people, roster,
campaigns, joining, nudges, GDPR, exports, the dashboard), so every row has the same
shape: the actor's council and label, ids and counts in `detail`, never names or message
text. `audit` is the same write in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine
from sqlmodel import Session

from bot.access import Actor
from storage.council_tables import AuditLog


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    target: str | None,
    at: dt.datetime,
    **detail: object,
) -> None:
    """Append a row inside the caller's transaction: the actor's council, their label
    (`learner:12` or `cli`), the action, its target id, and ids and counts only."""
    session.add(
        AuditLog(
            council_id=actor.council_id,
            actor=actor.label,
            action=action,
            target=target,
            detail=json.dumps(detail, sort_keys=True, default=str),
            at=at,
        )
    )


def audit(
    engine: Engine,
    actor: Actor,
    action: str,
    target: str | None,
    at: dt.datetime,
    **detail: object,
) -> None:
    """`record_audit` in a transaction of its own."""
    with Session(engine) as session, session.begin():
        record_audit(session, actor, action, target, at, **detail)
