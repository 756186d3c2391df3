"""The answer path's reads and writes, as single SQL Core statements.

An inbound message is the bot's hot path: each quiz answer and "Next" press runs here.
So each step is one statement: the message id claimed with an insert that ignores a
duplicate (no savepoint), the learner read with their identity (and, for an answer, the
question's FSRS card) in one join, and the learner written back with one UPDATE of only
the columns that changed. `tests/test_answer_statements.py` counts them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Table, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.messages import ConversationRef
from bot.state import Awaiting, LearnerState, Stage
from scheduler.srs import Memory
from storage.tables import Identity, Learner, ProcessedInbound, SrsCard

# How stale an identity's `last_seen_at` may get before a message writes it again, when
# nothing else about the identity changed and no other identity of the learner's was seen
# more recently (so `reach` picks the same identity either way). The learner's own
# `last_seen_at` is written on every message.
IDENTITY_SEEN_EVERY = dt.timedelta(hours=1)

_LEARNER: Table = Learner.__table__  # type: ignore[attr-defined]
_IDENTITY: Table = Identity.__table__  # type: ignore[attr-defined]
_CARD: Table = SrsCard.__table__  # type: ignore[attr-defined]

# LearnerState fields the bot writes back, as learner columns (`nation`, `last_nudge_at`
# belong to others; `last_seen_at` and `nudges_ignored` are the "seen" touch).
_WRITTEN = (
    *("org_id", "stage", "awaiting", "paused", "learning_time", "working_days"),
    *("module_id", "cursor", "attempt", "pending_question", "question_shown_at"),
    *("timezone", "away_from", "away_until", "lesson_active_at"),
)
_TOUCH = ("last_seen_at", "nudges_ignored")


def insert_for(session: Session, table: Table) -> Any:
    """An INSERT for this session's database that can take ON CONFLICT clauses."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def claim_inbound(session: Session, platform: str, message_id: str, at: dt.datetime) -> bool:
    """Record a message id; False if it was recorded before (one statement)."""
    table: Table = ProcessedInbound.__table__  # type: ignore[attr-defined]
    statement = (
        insert_for(session, table)
        .values(platform=platform, message_id=message_id, received_at=at)
        .on_conflict_do_nothing(index_elements=["platform", "message_id"])
        .returning(table.c.platform)
    )
    return session.execute(statement).first() is not None


@dataclass(frozen=True)
class Loaded:
    """A learner as read, with the identity they wrote from and, if asked, one card."""

    state: LearnerState  # as stored, before this message touched it
    identity_id: int
    identity_stale: bool  # the identity needs writing (see `identity_write`)
    card: Memory | None


def load(
    session: Session, ref: ConversationRef, at: dt.datetime, card_question: str | None
) -> Loaded | None:
    """The learner behind an identity (locked for update on PostgreSQL) in one SELECT;
    None if the identity is new."""
    mine, other = _IDENTITY.c, _IDENTITY.alias("other").c
    # Another identity of the learner's that `reach` would put first (a NULL counts as
    # first: PostgreSQL sorts NULLs first in DESC order), so this one must be written.
    ahead = exists().where(
        other.learner_id == mine.learner_id,
        other.id != mine.id,
        or_(
            other.last_seen_at.is_(None),
            other.last_seen_at > mine.last_seen_at,
            and_(other.last_seen_at == mine.last_seen_at, other.id > mine.id),
        ),
    )
    columns = [*_LEARNER.c, _IDENTITY.c.id.label("identity_id"), ahead.label("ahead")]
    columns += [_IDENTITY.c.conversation_id, _IDENTITY.c.extra]
    columns += [_IDENTITY.c.last_seen_at.label("identity_seen"), _IDENTITY.c.unreachable_at]
    query = select(*columns).select_from(
        _IDENTITY.join(_LEARNER, _LEARNER.c.id == _IDENTITY.c.learner_id)
    )
    if card_question is not None:
        columns = [_CARD.c[name].label(f"card_{name}") for name in _CARD_FIELDS]
        on = and_(_CARD.c.learner_id == _LEARNER.c.id, _CARD.c.question_id == card_question)
        query = query.add_columns(*columns).outerjoin(_CARD, on)
    query = query.where(_IDENTITY.c.platform == ref.platform, _IDENTITY.c.user_id == ref.user_id)
    row = session.execute(query.with_for_update(of=_LEARNER)).mappings().first()
    if row is None:
        return None
    seen = row["identity_seen"]
    stale = (
        row["conversation_id"] != ref.conversation_id
        or row["extra"] != json.dumps(ref.extra, sort_keys=True)
        or row["unreachable_at"] is not None
        or bool(row["ahead"])
        or seen is None
        or at - seen >= IDENTITY_SEEN_EVERY
    )
    card = None
    if card_question is not None and row["card_id"] is not None:
        card = Memory(*(row[f"card_{name}"] for name in _CARD_FIELDS))
    return Loaded(state_of(row), row["identity_id"], stale, card)


_CARD_FIELDS = ("id", "state", "step", "stability", "difficulty", "due", "last_review")


def touch_identity(
    session: Session, identity_id: int, ref: ConversationRef, at: dt.datetime
) -> None:
    """Where the learner wrote from, and that they can be reached there again."""
    session.execute(
        update(_IDENTITY)
        .where(_IDENTITY.c.id == identity_id)
        .values(
            conversation_id=ref.conversation_id,
            extra=json.dumps(ref.extra, sort_keys=True),
            last_seen_at=at,
            unreachable_at=None,
        )
    )


def save(
    session: Session,
    stored: LearnerState | None,
    state: LearnerState,
    at: dt.datetime,
    every_column: bool = False,
) -> None:
    """Write a learner's state with one UPDATE of the columns that differ from `stored`
    (every column when nothing was read, or when asked); `updated_at` moves when more
    than the "seen" touch changed. Nothing is written when nothing changed."""
    values: dict[str, Any] = {}
    changed = False
    for name in (*_WRITTEN, *_TOUCH):
        new = getattr(state, name)
        differs = stored is None or getattr(stored, name) != new
        changed = changed or (differs and name in _WRITTEN)
        if differs or every_column:
            values[name] = _column_value(new)
    if changed:
        values["updated_at"] = at
    if values:
        session.execute(update(_LEARNER).where(_LEARNER.c.id == state.learner_id).values(values))


def _column_value(value: object) -> object:
    if isinstance(value, Stage | Awaiting):
        return value.value
    if isinstance(value, tuple):
        return " ".join(value)  # working days
    return value


def state_of(row: Any) -> LearnerState:
    """A learner's state from a row of learner columns."""
    values = {f.name: row[f.name] for f in fields(LearnerState) if f.name != "learner_id"}
    values["stage"] = Stage(values["stage"])
    values["awaiting"] = Awaiting(values["awaiting"])
    values["working_days"] = tuple(values["working_days"].split())
    return LearnerState(learner_id=row["id"], **values)
