"""The answer path's reads and writes, as single SQL Core statements.

An inbound message is the bot's hot path: each quiz answer, round answer and "Next" press
runs here. So each step is one statement: the message id claimed with an insert that
ignores a duplicate (no savepoint), the learner read with their identity (and, for a quiz
answer, the question's FSRS card with the module records and the attempt's answers; for a
round button, the round with its reviews so far and the answered item's card) in one
join, and the learner written back with one UPDATE of only the columns that changed.
`tests/test_answer_statements.py` counts them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import Any, TypeGuard

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.council_pacing import NUMBER_BOUNDS
from bot.messages import ConversationRef
from bot.ports import ReadAlong
from bot.state import Awaiting, LearnerState, Stage
from scheduler.planner import RoundPlan
from scheduler.srs import Memory
from storage import quiz_reads
from storage.tables import Delivery, Identity, Learner, ProcessedInbound, ReviewLogRow, SrsCard

_LEARNER: Table = Learner.__table__  # type: ignore[attr-defined]
_IDENTITY: Table = Identity.__table__  # type: ignore[attr-defined]
_CARD: Table = SrsCard.__table__  # type: ignore[attr-defined]
_DELIVERY: Table = Delivery.__table__  # type: ignore[attr-defined]
_LOG: Table = ReviewLogRow.__table__  # type: ignore[attr-defined]
_ROUND_CARD = _CARD.alias("round_card")
# Which of a learner's identities `reach` picks, first to last: the one they last wrote
# from, then the newest. An identity with no time (last written from before 0002 kept
# times) comes last: said outright, as PostgreSQL would put NULLs first in DESC order and
# SQLite last. `load`'s "ahead" test is this order too.
REACH_ORDER = (_IDENTITY.c.last_seen_at.desc().nulls_last(), _IDENTITY.c.id.desc())
# A learner written back: the columns to set come from the parameters' names (`save`).
_UPDATE_LEARNER = update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_key"))
# No round holds more items than the largest round size a council may set (check-ups and
# campaign questions come inside it): a button naming a larger item names no question.
MAX_ROUND_ITEMS = int(NUMBER_BOUNDS["round_size"][2])

# LearnerState fields the bot writes back, as learner columns (`nation`, `last_nudge_at`
# belong to others; `last_seen_at` and `nudges_ignored` are the "seen" touch).
_WRITTEN = (
    *("council_id", "stage", "awaiting", "paused", "learning_time", "working_days"),
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
class RoundRow:
    """A round's delivery as read with the learner, with its reviews so far."""

    delivery_id: int
    kind: str  # "round", or "refresher" for one planned before rounds existed
    ref: str | None
    payload: str
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    reviews: tuple[tuple[int | None, int, dt.datetime], ...]  # (item, rating, reviewed at)

    @cached_property
    def plan(self) -> RoundPlan:
        """The round's contents, parsed once for both `question` and the bot's `round`."""
        return RoundPlan.from_json(self.payload)

    def question(self, item: int) -> str | None:
        """The question of an item (a one-question refresher's is its `ref`)."""
        if self.kind != "round":
            return self.ref if item == 0 else None
        questions = self.plan.questions
        return questions[item] if 0 <= item < len(questions) else None


@dataclass(frozen=True)
class Loaded:
    """A learner as read, with the identity they wrote from and what `ReadAlong` asked
    for: a card (None: it does not exist) with the quiz's records, and a round (None: not
    this learner's)."""

    state: LearnerState  # as stored, before this message touched it
    identity_id: int
    identity_stale: bool  # the identity needs writing (see `load`)
    card: Memory | None
    round: RoundRow | None = None
    round_card: Memory | None = None
    # With a quiz answer's card: the module records, and the answers of the attempt the
    # learner's row names (so the quiz's last answer scores it without another read).
    quiz: quiz_reads.Records | None = None


def load(session: Session, ref: ConversationRef, along: ReadAlong) -> Loaded | None:
    """The learner behind an identity (locked for update on PostgreSQL) in one SELECT;
    None if the identity is new.

    The identity is written again only when `reach` would otherwise pick another one or
    it changed (conversation, details, reachability): so a learner on one platform costs
    no identity write per message. Its own `last_seen_at` is therefore when the learner
    last moved to it; the learner's `last_seen_at`, written on every message, says when
    they last wrote (the data export puts the two together)."""
    round_item = along.round_item if _names_an_item(along.round_item) else None
    shape = _LoadShape(
        session.get_bind().dialect.name,
        along.card_question is not None,
        along.round_id is not None,
        round_item is not None,
    )
    params: dict[str, Any] = {"platform": ref.platform, "user_id": ref.user_id}
    if shape.card:
        params["card_question"] = along.card_question
    if shape.round:
        params["round_id"] = along.round_id
    if round_item is not None:
        params["round_item"] = str(round_item)
    rows = session.execute(_load_query(shape), params).mappings().all()
    if not rows:
        return None
    row = rows[0]  # a round's reviews make more rows, each with the learner's columns
    stale = (
        row["conversation_id"] != ref.conversation_id
        or row["extra"] != json.dumps(ref.extra, sort_keys=True)
        or row["unreachable_at"] is not None
        or bool(row["ahead"])
        or row["identity_seen"] is None
    )
    card, quiz = None, None
    if along.card_question is not None:
        card = _memory(row, "card_")
        quiz = quiz_reads.along_read(row["quiz_records"], row["quiz_answers"])
    if along.round_id is None or row["round_id"] is None:
        return Loaded(state_of(row), row["identity_id"], stale, card, quiz=quiz)
    round_card = _memory(row, "round_card_") if _names_an_item(along.round_item) else None
    return Loaded(
        state_of(row), row["identity_id"], stale, card, _round_row(rows), round_card, quiz
    )


_CARD_FIELDS = ("id", "state", "step", "stability", "difficulty", "due", "last_review")


def _round_row(rows: Sequence[Any]) -> RoundRow:
    """The round read with the learner: its columns on every row, one row per review."""
    first = rows[0]
    reviews = tuple(
        (r["review_item"], r["review_rating"], r["review_at"])
        for r in rows
        if r["review_at"] is not None
    )
    return RoundRow(
        first["round_id"],
        first["round_kind"],
        first["round_ref"],
        first["round_payload"],
        first["round_sent_at"],
        first["round_answered_at"],
        reviews,
    )


def _memory(row: Any, prefix: str) -> Memory | None:
    if row[f"{prefix}id"] is None:
        return None
    return Memory(*(row[f"{prefix}{name}"] for name in _CARD_FIELDS))


@dataclass(frozen=True)
class _LoadShape:
    """Which parts a learner's read joins: the statement is built once per shape (and
    database) and reused with new parameters, so an answer does not pay for building it."""

    dialect: str
    card: bool  # the FSRS card of `card_question`, with the quiz's records
    round: bool  # the round `round_id`, with its reviews
    round_item: bool  # and the card of the item `round_item` names


@lru_cache(maxsize=32)
def _load_query(shape: _LoadShape) -> Select[Any]:
    """The learner's read for a shape, with bound parameters `platform`, `user_id` and,
    as the shape asks, `card_question`, `round_id` and `round_item`."""
    mine, other = _IDENTITY.c, _IDENTITY.alias("other").c
    # Another identity of the learner's that `reach` would put first (`REACH_ORDER`), so
    # this one must be written. (This one, if it has no time, is written anyway: `load`.)
    ahead = exists().where(
        other.learner_id == mine.learner_id,
        other.id != mine.id,
        or_(
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
    if shape.card:
        columns = [_CARD.c[name].label(f"card_{name}") for name in _CARD_FIELDS]
        on = and_(
            _CARD.c.learner_id == _LEARNER.c.id,
            _CARD.c.question_id == bindparam("card_question", type_=String()),
        )
        query = query.add_columns(*columns, *quiz_reads.read_along(shape.dialect, _LEARNER))
        query = query.outerjoin(_CARD, on)
    if shape.round:
        query = _with_round(query, shape)
    query = query.where(
        _IDENTITY.c.platform == bindparam("platform", type_=String()),
        _IDENTITY.c.user_id == bindparam("user_id", type_=String()),
    )
    return query.with_for_update(of=_LEARNER)


def _with_round(query: Select[Any], shape: _LoadShape) -> Select[Any]:
    """The learner's query joined with a round's delivery (only if it is theirs), its
    reviews (one row each) and, for an answered item, that item's FSRS card: the item's
    question is read from the round's payload in SQL, so no query waits for another."""
    d = _DELIVERY.c
    query = query.add_columns(
        d.id.label("round_id"),
        d.kind.label("round_kind"),
        d.ref.label("round_ref"),
        d.payload.label("round_payload"),
        d.sent_at.label("round_sent_at"),
        d.answered_at.label("round_answered_at"),
        _LOG.c.round_item.label("review_item"),
        _LOG.c.rating.label("review_rating"),
        _LOG.c.reviewed_at.label("review_at"),
    )
    on_round = and_(d.id == bindparam("round_id", type_=Integer()), d.learner_id == _LEARNER.c.id)
    query = query.outerjoin(_DELIVERY, on_round).outerjoin(_LOG, _LOG.c.round_id == d.id)
    if not shape.round_item:
        return query
    question = case((d.kind == "round", _round_question(shape.dialect, d.payload)), else_=d.ref)
    card = _ROUND_CARD.c
    return query.add_columns(
        *(card[name].label(f"round_card_{name}") for name in _CARD_FIELDS)
    ).outerjoin(_ROUND_CARD, and_(card.learner_id == _LEARNER.c.id, card.question_id == question))


def _names_an_item(item: int | None) -> TypeGuard[int]:
    return item is not None and 0 <= item < MAX_ROUND_ITEMS


def _round_question(dialect: str, payload: Any) -> ColumnElement[Any]:
    """The question id at the item `round_item` (its index, as text) names in a round's
    payload (`RoundPlan.to_json`: "q" holds the question ids), in this database's JSON
    functions."""
    item = bindparam("round_item", type_=String())
    if dialect == "postgresql":
        return func.jsonb_extract_path_text(cast(payload, postgresql.JSONB), "q", item)
    return func.json_extract(payload, literal("$.q[", String()).concat(item).concat("]"))


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
        session.execute(_UPDATE_LEARNER, {**values, "learner_key": state.learner_id})


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
