"""The web chat's messages, per conversation: the proactive ones wait here until the
visitor's page fetches them, and the whole conversation (what the visitor typed or pressed
and every reply) is kept so a reload shows it again (the last `HISTORY` messages)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from storage.tables import Identity, WebChatOutbox

KEEP = dt.timedelta(days=30)
HISTORY = 50  # messages a reloaded page shows


class SqlOutbox:
    """Stores and hands out web chat messages, per conversation, in order."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(
        self, conversation_id: str, bodies: Sequence[dict[str, object]], at: dt.datetime
    ) -> list[int]:
        """Store messages for a conversation, in order; return their ids."""
        with Session(self._engine) as session, session.begin():
            rows = [
                WebChatOutbox(conversation_id=conversation_id, body=json.dumps(b), created_at=at)
                for b in bodies
            ]
            session.add_all(rows)
            session.flush()
            return [row.id or 0 for row in rows]

    def recent(
        self, conversation_id: str, count: int = HISTORY
    ) -> list[tuple[int, dict[str, object]]]:
        """The conversation's last `count` messages, oldest first."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(WebChatOutbox)
                .where(WebChatOutbox.conversation_id == conversation_id)
                .order_by(col(WebChatOutbox.id).desc())
                .limit(count)
            ).all()
        return [(row.id or 0, json.loads(row.body)) for row in reversed(rows)]

    def has_learner(self, conversation_id: str) -> bool:
        """Whether this web chat visitor has written to the bot before."""
        with Session(self._engine) as session:
            found = session.exec(
                select(Identity.id).where(
                    Identity.platform == "web", Identity.user_id == conversation_id
                )
            ).first()
        return found is not None

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
