"""The audit log: who did what in an admin function, to which id, and when.

One writer for every feature (people, roster, campaigns, GDPR, exports, the dashboard), so
every row has the same shape: ids and counts in `detail`, never names or message text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import Engine
from sqlmodel import Session

from storage.tables import AuditLog


def record_audit(
    session: Session,
    org_id: int | None,
    actor: str,
    action: str,
    target: str | None,
    at: dt.datetime,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Append a row inside the caller's transaction. `actor` is a label such as
    `learner:12` or `cli`."""
    session.add(
        AuditLog(
            org_id=org_id,
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(dict(detail or {}), sort_keys=True, default=str),
            at=at,
        )
    )


def audit(
    engine: Engine,
    org_id: int | None,
    actor: str,
    action: str,
    target: str | None,
    at: dt.datetime,
    detail: Mapping[str, object] | None = None,
) -> None:
    """`record_audit` in a transaction of its own."""
    with Session(engine) as session, session.begin():
        record_audit(session, org_id, actor, action, target, at, detail)
