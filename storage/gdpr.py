"""Personal data under UK GDPR: a learner's full copy, erasure, and the admin audit log.

Erasure deletes every row about the person: identities (chat accounts), the learner row
(with roster name, email, team and settings), module progress, answers, refresher cards
and review logs, deliveries, web chat messages waiting for them, self-assessment answers,
role grants and dashboard sign-in tokens and sessions. Nothing personal is kept and no
aggregate is stored: council figures are computed from the rows that remain, so the person
simply drops out of them. The audit log keeps who erased which learner id, and when.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, delete, event, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from bot.access import Actor
from bot.records import EraseLearner, PersonalData
from storage.audit import record_audit
from storage.council_tables import (
    Assessment,
    AuditLog,
    DashboardSession,
    DashboardToken,
    RoleGrant,
    Team,
)
from storage.reviews import every_review
from storage.tables import (
    AnswerRow,
    Council,
    Delivery,
    EffectProbe,
    Identity,
    Learner,
    ModuleProgressRow,
    ReviewLogRow,
    SrsCard,
    WebChatOutbox,
)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # before any identity was seen
WEBCHAT = "web"  # adapters.webchat.convert.PLATFORM (storage does not import adapters)
# Deleted in this order, children before parents (review logs point at deliveries and
# cards; everything points at the learner).
_BY_LEARNER: tuple[type[SQLModel], ...] = (
    EffectProbe,  # points at deliveries (the round a check-up was answered in)
    ReviewLogRow,
    SrsCard,
    Delivery,
    AnswerRow,
    ModuleProgressRow,
    Assessment,
    RoleGrant,
    DashboardSession,
    DashboardToken,
)


def personal_data(session: Session, learner_id: int) -> PersonalData | None:
    """What is stored about a learner: counts for plain words, and the full copy."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        return None
    document = personal_document(session, learner)
    council = document["learner"]["council"]
    return PersonalData(
        council=council["name"] if council else None,
        platforms=tuple(sorted({i["platform"] for i in document["chat_accounts"]})),
        has_roster_details=bool(learner.display_name or learner.email),
        modules=len(document["modules"]),
        answers=len(document["answers"]),
        cards=len(document["refresher_cards"]),
        reviews=len(document["reviews"]),
        deliveries=len(document["messages"]),
        assessments=len(document["self_assessment"]),
        roles=len(document["roles"]),
        document=json.dumps(document, separators=(",", ":"), ensure_ascii=False),
    )


def personal_document(session: Session, learner: Learner) -> dict[str, Any]:
    """Everything stored about a learner, as JSON-ready values (a subject access copy)."""
    assert learner.id is not None
    lid = learner.id
    council = session.get(Council, learner.council_id) if learner.council_id else None
    team = session.get(Team, learner.team_id) if learner.team_id else None
    return {
        "learner": {
            "id": lid,
            "council": {"code": council.code, "name": council.name} if council else None,
            "team": team.name if team else None,
            "name": learner.display_name,
            "email": learner.email,
            "learning_time": learner.learning_time,
            "working_days": learner.working_days.split(),
            "timezone": learner.timezone,
            "nation": learner.nation,
            "paused": learner.paused,
            "away_from": _iso(learner.away_from),
            "away_until": _iso(learner.away_until),
            "current_module": learner.module_id,
            "joined": _iso(learner.created_at),
            "last_seen": _iso(learner.last_seen_at),
        },
        "chat_accounts": _chat_accounts(session, learner),
        "modules": _rows(session, ModuleProgressRow, lid, _progress),
        "answers": _rows(session, AnswerRow, lid, _answer),
        "refresher_cards": _rows(session, SrsCard, lid, _card),
        "reviews": _reviews(session, lid),
        "learning_effect_checks": _rows(session, EffectProbe, lid, _probe),
        "messages": _messages(session, lid),
        "self_assessment": _rows(session, Assessment, lid, _assessment),
        "roles": _rows(session, RoleGrant, lid, lambda r: {"role": r.role, "team": r.team_id}),
        "web_chat": _web_chat(session, lid),
    }


def _web_chat(session: Session, learner_id: int) -> list[dict[str, Any]]:
    """The web chat conversation kept for a reload (what was typed or pressed, and the
    replies), oldest first, as the page shows it: text only."""
    conversations = session.exec(
        select(Identity.conversation_id).where(
            Identity.learner_id == learner_id, Identity.platform == WEBCHAT
        )
    ).all()
    if not conversations:
        return []
    rows = session.exec(
        select(WebChatOutbox)
        .where(col(WebChatOutbox.conversation_id).in_(conversations))
        .order_by(col(WebChatOutbox.id))
    ).all()
    return [
        {
            "at": _iso(row.created_at),
            "from": "you" if (body := json.loads(row.body)).get("who") == "me" else "bot",
            "text": body.get("text", ""),
        }
        for row in rows
    ]


def erase_learner(session: Session, learner_id: int) -> dict[str, int]:
    """Delete everything about a learner in this transaction; return rows deleted per
    table (all zero if there was no such learner)."""
    # Changes already made to these rows in this transaction (e.g. last seen) must reach
    # the database before the rows go, or the commit would try to update deleted rows.
    session.flush()
    counts: dict[str, int] = {}
    conversations = session.exec(
        select(Identity.conversation_id).where(
            Identity.learner_id == learner_id, Identity.platform == WEBCHAT
        )
    ).all()
    if conversations:
        counts["webchat_outbox"] = _delete(
            session,
            delete(WebChatOutbox).where(col(WebChatOutbox.conversation_id).in_(conversations)),
        )
    for table in _BY_LEARNER:
        column = table.learner_id  # type: ignore[attr-defined]
        counts[str(table.__tablename__)] = _delete(
            session, delete(table).where(column == learner_id)
        )
    counts["identity"] = _delete(
        session, delete(Identity).where(col(Identity.learner_id) == learner_id)
    )
    counts["learner"] = _delete(session, delete(Learner).where(col(Learner.id) == learner_id))
    session.expire_all()
    # Once committed, copy the write-ahead log into the database file and empty it, so the
    # erased rows do not linger in the log (the file itself overwrites deleted content:
    # secure_delete, see storage.db).
    event.listen(session, "after_commit", _checkpoint, once=True)
    return counts


def _checkpoint(session: Session) -> None:
    """After an erasure on SQLite: checkpoint the WAL and truncate it (best effort: a
    reader still holding old pages defers it to the next checkpoint)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # autocommit (see storage.db): no BEGIN around it
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def erase_effect(session: Session, learner_id: int, effect: EraseLearner, at: dt.datetime) -> None:
    """Effect handler: the learner asked for erasure in /mydata."""
    erase_learner(session, learner_id)


def erase_by_admin(
    engine: Engine, actor: Actor, learner_id: int, at: dt.datetime
) -> dict[str, int]:
    """An admin erases a leaver of their own council, with an audit log row; raise
    LookupError if the learner is not in that council (nothing is erased then)."""
    with Session(engine) as session, session.begin():
        learner = session.get(Learner, learner_id)
        if learner is None or learner.council_id != actor.council_id:
            raise LookupError(f"no learner {learner_id} in this council")
        counts = erase_learner(session, learner_id)
        record_audit(session, actor, "learner.erase", f"learner:{learner_id}", at, **counts)
        return counts


def audit_entries(engine: Engine, council_id: int, limit: int = 200) -> list[AuditLog]:
    """A council's audit log, newest first."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditLog)
                .where(AuditLog.council_id == council_id)
                .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
                .limit(limit)
            ).all()
        )


def count_rows(engine: Engine, learner_id: int) -> int:
    """Rows about a learner left in the tables erasure covers (0 after erasure)."""
    with Session(engine) as session:
        total = 0
        for table in (*_BY_LEARNER, Identity):
            column = table.learner_id  # type: ignore[attr-defined]
            total += session.exec(select(func.count()).where(column == learner_id)).one()
        total += session.exec(select(func.count()).where(col(Learner.id) == learner_id)).one()
        return int(total)


def _delete(session: Session, statement: Any) -> int:
    return int(session.exec(statement).rowcount or 0)


def _rows(
    session: Session, table: type[Any], learner_id: int, shape: Callable[[Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = session.exec(
        select(table).where(table.learner_id == learner_id).order_by(table.id)
    ).all()
    return [shape(row) for row in rows]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _chat_accounts(session: Session, learner: Learner) -> list[dict[str, Any]]:
    """The learner's chat accounts. An identity's `last_seen_at` is written when the
    learner moves to it (storage/learner_rows.py), so the one they wrote from last was
    last seen when the learner was."""
    rows = session.exec(
        select(Identity).where(Identity.learner_id == learner.id).order_by(col(Identity.id))
    ).all()
    latest = max(rows, key=lambda row: (row.last_seen_at or _EPOCH, row.id or 0), default=None)
    accounts = []
    for row in rows:
        seen = row.last_seen_at
        if row is latest and seen is not None and learner.last_seen_at is not None:
            seen = max(seen, learner.last_seen_at)
        accounts.append(_identity(row, seen))
    return accounts


def _identity(row: Identity, seen: dt.datetime | None) -> dict[str, Any]:
    account: dict[str, Any] = {"platform": row.platform, "user_id": row.user_id}
    if row.platform == WEBCHAT:
        # The web chat's id is the browser's login cookie: a copy holding it would let
        # anyone who sees the copy chat as this person. Name the account, not the key.
        account["user_id"] = None
    return account | {"joined": _iso(row.created_at), "last_seen": _iso(seen)}


def _messages(session: Session, learner_id: int) -> list[dict[str, Any]]:
    """The messages planned or sent to the learner. A round's first answer is its first
    review or check-up answer (nothing else records it)."""
    first: dict[int, dt.datetime] = {}
    answers = (
        select(ReviewLogRow.round_id, func.min(ReviewLogRow.reviewed_at))
        .where(ReviewLogRow.learner_id == learner_id, col(ReviewLogRow.round_id).is_not(None))
        .group_by(col(ReviewLogRow.round_id)),
        select(EffectProbe.round_id, func.min(EffectProbe.answered_at))
        .where(EffectProbe.learner_id == learner_id, col(EffectProbe.round_id).is_not(None))
        .group_by(col(EffectProbe.round_id)),
    )
    for query in answers:
        for found, at in session.exec(query).all():
            if found is not None and at is not None:
                first[found] = min(first.get(found, at), at)
    rows = session.exec(
        select(Delivery).where(Delivery.learner_id == learner_id).order_by(col(Delivery.id))
    ).all()
    return [_delivery(row, first.get(row.id or 0)) for row in rows]


def _progress(row: ModuleProgressRow) -> dict[str, Any]:
    return {
        "module": row.module_id,
        "status": row.status,
        "attempt": row.attempt,
        "started": _iso(row.started_at),
        "completed": _iso(row.completed_at),
        "score": row.score,
        "out_of": row.total,
    }


def _answer(row: AnswerRow) -> dict[str, Any]:
    return {
        "module": row.module_id,
        "question": row.question_id,
        "attempt": row.attempt,
        "option": row.option_id,
        "correct": row.correct,
        "answered": _iso(row.answered_at),
        "seconds": None if row.duration_ms is None else row.duration_ms / 1000,
    }


def _card(row: SrsCard) -> dict[str, Any]:
    return {
        "question": row.question_id,
        "due": _iso(row.due),
        "last_review": _iso(row.last_review),
        "stability": row.stability,
        "difficulty": row.difficulty,
    }


def _reviews(session: Session, learner_id: int) -> list[dict[str, Any]]:
    """Every FSRS review of the learner's, oldest first: a quiz answer's (kept with the
    answer) and a refresher's."""
    review = every_review().c
    rows = session.execute(
        sa_select(
            review.question_id, review.rating, review.reviewed_at, review.source, review.guessed
        )
        .where(review.learner_id == learner_id)
        .order_by(review.reviewed_at, review.source)
    ).all()
    return [
        {
            "question": question,
            "rating": rating,
            "reviewed": _iso(at),
            "source": source,
            "guessed": bool(guessed),
        }
        for question, rating, at, source, guessed in rows
    ]


def _probe(row: EffectProbe) -> dict[str, Any]:
    return {
        "module": row.module_id,
        "kind": row.kind,
        "point": row.point,
        "question": row.variant_id,
        "days_after": row.day,
        "answered": _iso(row.answered_at),
        "correct": row.correct,
        "guessed": row.guessed,
    }


def _delivery(row: Delivery, round_answered: dt.datetime | None) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "about": row.ref,
        "due": _iso(row.due_at),
        "status": row.status,
        "sent": _iso(row.sent_at),
        "answered": _iso(row.answered_at or round_answered),
    }


def _assessment(row: Assessment) -> dict[str, Any]:
    return {"area": row.area, "level": row.level, "target": row.target, "answered": _iso(row.at)}


class PersonalDataReads:
    """The Transaction method /mydata needs (mixed into SqlTransaction)."""

    session: Session

    def personal_data(self, learner_id: int) -> PersonalData | None:
        """What is stored about the learner, with the full copy as JSON text."""
        return personal_data(self.session, learner_id)
