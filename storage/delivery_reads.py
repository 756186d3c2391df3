"""The reads and writes of proactive sends, refresher rounds and spaced repetition, for
one inbound message's transaction (mixed into `storage.store.SqlTransaction`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.deliveries import ProbeFacts, Review, ReviewFacts, RoundInfo
from bot.effects import FlowEffect
from bot.messages import ConversationRef
from scheduler.srs import Memory, memory_from_json, memory_to_json, new_memory
from storage import reviews
from storage.effects import apply_effect
from storage.learner_rows import REACH_ORDER, RoundRow
from storage.quiz_reads import Checked
from storage.tables import (
    Delivery,
    EffectProbe,
    Identity,
    ReviewLogRow,
    SrsCard,
)

_CARD: Table = SrsCard.__table__  # type: ignore[attr-defined]
_LOG: Table = ReviewLogRow.__table__  # type: ignore[attr-defined]
# A review's writes (`save_memory`), built once: each answer only binds its values.
_INSERT_CARD = insert(_CARD)
_UPDATE_CARD = update(_CARD).where(
    _CARD.c.id == bindparam("card_key"), _CARD.c.learner_id == bindparam("learner_key")
)
_INSERT_LOG = insert(_LOG)


class DeliveryReads:
    """The reads and writes proactive sends and spaced repetition need."""

    session: Session
    # FSRS cards read with the learner (None: known not to exist), by (learner, question).
    _cards: dict[tuple[int, str], Memory | None]
    # Rounds read with the learner (None: not theirs), by delivery id.
    _rounds: dict[int, RoundRow | None]
    # Answered check-ups read with the module records (`progress_for_round`), by learner.
    _checked: dict[int, Checked]

    def reach(self, learner_id: int) -> ConversationRef | None:
        """The reachable identity the learner last wrote from."""
        row = self.session.exec(
            select(Identity)
            .where(Identity.learner_id == learner_id, col(Identity.unreachable_at).is_(None))
            .order_by(*REACH_ORDER)
        ).first()
        if row is None:
            return None
        return ConversationRef(
            row.platform, row.conversation_id, row.user_id, json.loads(row.extra)
        )

    def round(self, learner_id: int, delivery_id: int) -> RoundInfo | None:
        """A refresher round (or a one-question refresher) sent to this learner: as
        `learner_for` read it with the learner when it was asked to, else read now."""
        if delivery_id in self._rounds:
            sent = self._rounds[delivery_id]
        else:
            sent = self._read_round(learner_id, delivery_id)
        if sent is None:
            return None
        if sent.kind == "refresher" and sent.ref:  # planned before rounds existed
            # Answered before rounds (`answered_at`) or since, as a round of one (a review).
            once = sent.answered_at is not None or bool(sent.reviews)
            answered = {0: True} if once else {}
            return RoundInfo(sent.delivery_id, (sent.ref,), sent.sent_at, answered)
        if sent.kind != "round":
            return None
        plan = sent.plan
        answered = {item: rating > 1 for item, rating, _at in sent.reviews if item is not None}
        probes = {item: probe_id for item, (probe_id, _variant) in enumerate(plan.probes)}
        checked = self._checked_probes(learner_id, list(probes.values())) if probes else []
        done = {probe_id: bool(correct) for probe_id, correct, _at in checked}
        # When the learner began answering: the round's first review or check-up answer.
        answer_times = [at for _i, _r, at in sent.reviews] + [at for _p, _c, at in checked if at]
        first = min(answer_times, default=None)
        answered.update({item: done[pid] for item, pid in probes.items() if pid in done})
        return RoundInfo(
            sent.delivery_id,
            plan.questions,
            sent.sent_at,
            answered,
            plan.backlog,
            plan.lesson_held,
            plan.backlog_limit,
            probes,
            first,
        )

    def _checked_probes(
        self, learner_id: int, probe_ids: list[int]
    ) -> list[tuple[int, bool | None, dt.datetime | None]]:
        """Which of these check-ups are answered: as read with the module records, else
        read now (most rounds hold none, and then nothing is read)."""
        known = self._checked.get(learner_id)
        if known is not None:
            return [(i, *known[i]) for i in probe_ids if i in known]
        rows = self.session.exec(
            select(EffectProbe.id, EffectProbe.correct, EffectProbe.answered_at).where(
                col(EffectProbe.id).in_(probe_ids),
                col(EffectProbe.answered_at).is_not(None),
            )
        ).all()
        return [(probe_id or 0, correct, at) for probe_id, correct, at in rows]

    def _read_round(self, learner_id: int, delivery_id: int) -> RoundRow | None:
        row = self.session.get(Delivery, delivery_id)
        if row is None or row.learner_id != learner_id or row.id is None:
            return None
        reviews = self.session.exec(
            select(ReviewLogRow.round_item, ReviewLogRow.rating, ReviewLogRow.reviewed_at).where(
                ReviewLogRow.round_id == row.id
            )
        ).all()
        return RoundRow(
            row.id, row.kind, row.ref, row.payload, row.sent_at, row.answered_at, tuple(reviews)
        )

    def answered_since(
        self, learner_id: int, questions: Sequence[str], probes: Sequence[int], since: dt.datetime
    ) -> tuple[frozenset[str], frozenset[int]]:
        """Questions reviewed since a time, and check-ups answered, of this learner's."""
        return answered_since(self.session, learner_id, questions, probes, since)

    def probe(self, learner_id: int, probe_id: int) -> ProbeFacts | None:
        """A learning-effect check-up of this learner's."""
        row = self.session.get(EffectProbe, probe_id)
        if row is None or row.learner_id != learner_id or row.id is None:
            return None
        return ProbeFacts(row.id, row.answered_at is not None, row.guessed, bool(row.correct))

    def review_facts(
        self, learner_id: int, question_id: str, round_id: int | None, round_item: int | None
    ) -> ReviewFacts | None:
        """A round item's review, or the latest quiz review of a question (on its answer:
        `storage.reviews`)."""
        if round_id is None:
            return reviews.quiz_review_facts(self.session, learner_id, question_id)
        query = select(ReviewLogRow).where(
            ReviewLogRow.learner_id == learner_id,
            ReviewLogRow.question_id == question_id,
            ReviewLogRow.round_id == round_id,
            ReviewLogRow.round_item == round_item,
        )
        log = self.session.exec(query.order_by(col(ReviewLogRow.id).desc())).first()
        if log is None or log.id is None:
            return None
        card = self.session.get(SrsCard, log.card_id)
        latest = card is not None and card.last_review == log.reviewed_at
        before = memory_from_json(log.card_before) if log.card_before else None
        return ReviewFacts(
            log.id, question_id, log.rating, log.guessed, log.reviewed_at, before, latest
        )

    def mark_guessed(self, learner_id: int, facts: ReviewFacts, memory: Memory | None) -> None:
        """Mark a review as a guess, and store the re-rated card if there is one."""
        if facts.quiz:
            card = reviews.mark_quiz_guessed(self.session, learner_id, facts, memory)
        else:
            log = self.session.get(ReviewLogRow, facts.review_id)
            assert log is not None and log.learner_id == learner_id
            log.guessed = True
            card = None
            if memory is not None:
                card = self.session.get(SrsCard, log.card_id)
                log.rating = reviews.GUESSED
            self.session.add(log)
        if memory is not None:
            assert card is not None
            _copy_memory(card, memory)
            self.session.add(card)

    def memory(self, learner_id: int, question_id: str, at: dt.datetime) -> Memory:
        """The FSRS card (card id 0, due now, for one never reviewed: `save_memory`
        stores it), from what `learner_for` read with the learner when it was asked to."""
        key = (learner_id, question_id)
        if key in self._cards:
            known = self._cards[key]
        else:
            row = self.session.exec(
                select(SrsCard).where(
                    SrsCard.learner_id == learner_id, SrsCard.question_id == question_id
                )
            ).first()
            known = None if row is None or row.id is None else _memory_of(row)
        return known if known is not None else new_memory(0, at)

    def apply(self, learner_id: int, effect: FlowEffect, at: dt.datetime) -> None:
        """Carry out a flow's effect (see `storage.effects.apply_effect`)."""
        apply_effect(self.session, learner_id, effect, at)

    def save_memory(
        self, learner_id: int, before: Memory, memory: Memory, review: Review, grade: int
    ) -> None:
        """Store the reviewed card and log the review (with its duration, and the card
        before it, so "I guessed" can re-rate it): two statements."""
        card_id = self._store_card(learner_id, review.question_id, memory)
        if before.card_id == 0:  # the first review created the card
            before = replace(before, card_id=card_id)
        self.session.execute(
            _INSERT_LOG,
            {
                "card_id": card_id,
                "learner_id": learner_id,
                "question_id": review.question_id,
                "rating": grade,
                "reviewed_at": review.at,
                "duration_ms": review.duration_ms,
                "source": review.source,
                "round_id": review.round_id,
                "round_item": review.round_item,
                "guessed": False,
                "card_before": memory_to_json(before),
            },
        )
        # A round's answers are its reviews and check-ups (`round_id`): nothing more to
        # write (the data export reads when it was first answered from them).

    def save_card(self, learner_id: int, question_id: str, memory: Memory) -> None:
        """Store the card a quiz answer reviewed (the answer row holds the review)."""
        self._store_card(learner_id, question_id, memory)

    def _store_card(self, learner_id: int, question_id: str, memory: Memory) -> int:
        """Insert a card on its first review, else update it (one statement); its id."""
        card = {
            "state": memory.state,
            "step": memory.step,
            "stability": memory.stability,
            "difficulty": memory.difficulty,
            "due": memory.due,
            "last_review": memory.last_review,
        }
        card_id = memory.card_id
        self._cards.pop((learner_id, question_id), None)
        # Statement objects built once (above): the values come as parameters.
        if card_id == 0:  # first review: the card is created as it leaves
            created = self.session.execute(
                _INSERT_CARD,
                {"learner_id": learner_id, "question_id": question_id, "held_out": False} | card,
            )
            key = cast(CursorResult[Any], created).inserted_primary_key
            assert key is not None
            return int(key[0])
        updated = self.session.execute(
            _UPDATE_CARD, {"card_key": card_id, "learner_key": learner_id} | card
        )
        assert cast(CursorResult[Any], updated).rowcount == 1
        return card_id


def _memory_of(row: SrsCard) -> Memory:
    assert row.id is not None
    return Memory(
        row.id, row.state, row.step, row.stability, row.difficulty, row.due, row.last_review
    )


def _copy_memory(row: SrsCard, memory: Memory) -> None:
    row.state, row.step = memory.state, memory.step
    row.stability, row.difficulty = memory.stability, memory.difficulty
    row.due, row.last_review = memory.due, memory.last_review


def answered_since(
    session: Session,
    learner_id: int,
    questions: Sequence[str],
    probes: Sequence[int],
    since: dt.datetime,
) -> tuple[frozenset[str], frozenset[int]]:
    """Which of these questions the learner has reviewed since a time, and which of these
    check-ups are answered."""
    review = reviews.every_review().c
    reviewed = session.execute(
        sa_select(review.question_id).where(
            review.learner_id == learner_id,
            review.question_id.in_(list(questions)),
            review.reviewed_at >= since,
        )
    ).scalars()
    checked = session.exec(
        select(EffectProbe.id).where(
            EffectProbe.learner_id == learner_id,
            col(EffectProbe.id).in_(list(probes)),
            col(EffectProbe.answered_at).is_not(None),
        )
    ).all()
    return frozenset(reviewed), frozenset(p for p in checked if p is not None)
