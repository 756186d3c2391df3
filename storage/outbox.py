"""The web chat outbox: proactive messages stored until the visitor's page fetches them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from storage.tables import WebChatOutbox

KEEP = dt.timedelta(days=30)


class SqlOutbox:
    """Stores and hands out web chat messages, per conversation, in order."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(
        self, conversation_id: str, bodies: Sequence[dict[str, object]], at: dt.datetime
    ) -> int:
        """Store messages for a conversation; return the id of the last one."""
        with Session(self._engine) as session, session.begin():
            rows = [
                WebChatOutbox(conversation_id=conversation_id, body=json.dumps(b), created_at=at)
                for b in bodies
            ]
            session.add_all(rows)
            session.flush()
            return rows[-1].id or 0 if rows else 0

    def after(self, conversation_id: str, last_seen: int) -> list[tuple[int, dict[str, object]]]:
        """Messages for a conversation with ids above `last_seen`, oldest first."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(WebChatOutbox)
                .where(
                    WebChatOutbox.conversation_id == conversation_id,
                    col(WebChatOutbox.id) > last_seen,
                )
                .order_by(col(WebChatOutbox.id))
                .limit(50)
            ).all()
        return [(row.id or 0, json.loads(row.body)) for row in rows]

    def prune(self, before: dt.datetime) -> int:
        """Forget messages older than a time (a visitor who never came back)."""
        with Session(self._engine) as session, session.begin():
            result = session.exec(
                delete(WebChatOutbox).where(col(WebChatOutbox.created_at) < before)
            )
            return int(result.rowcount or 0)
