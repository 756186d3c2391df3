"""The bot service: the one `handle` seam every adapter calls.

It opens one transaction per inbound message: de-duplicates platform re-deliveries,
loads the learner (locked), runs the pure flows, and stores the new state and records
before the replies leave. A crash therefore never half-records an answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import replace
from typing import Any

from bot.batch_compose import Composing, compose_one
from bot.conversation import read_along, route
from bot.decision import Context, Decision, Needs
from bot.deliveries import (
    AnswerReview,
    ClaimedDelivery,
    Composed,
    ReviewFacts,
    Withheld,
)
from bot.flows.proactive import pacing_of
from bot.intents import read_intent
from bot.messages import Inbound, Outbound, without_nul
from bot.ports import Clock, Store, Transaction
from bot.routes import WORDS
from bot.state import AnswerRecord, CouncilInfo, LearnerState, ModuleProgress
from bot.texts import ENGLISH, Texts
from lessons.maturity import MaturityModel
from lessons.model import Curriculum
from scheduler import srs
from scheduler.pacing import local_date
from scheduler.srs import Memory

log = logging.getLogger(__name__)


class BotService:
    """Handles inbound messages for any platform."""

    def __init__(
        self,
        curriculum: Curriculum,
        store: Store,
        clock: Clock,
        texts: Texts = ENGLISH,
        fuzz: bool = True,
        maturity: MaturityModel | None = None,
    ) -> None:
        self._curriculum = curriculum
        self._store = store
        self._clock = clock
        self._texts = texts
        self._fuzz = fuzz  # FSRS interval fuzz; off in tests for exact intervals
        self._maturity = maturity  # the self-assessment's levels (None: /assess is off)

    @property
    def curriculum(self) -> Curriculum:
        """The curriculum this bot teaches."""
        return self._curriculum

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Process one inbound message and return the replies to send."""
        started = time.perf_counter()
        now = self._clock.now()
        inbound = without_nul(inbound)
        intent = read_intent(inbound, WORDS)
        with self._store.transaction() as tx:
            if inbound.message_id is not None and not tx.claim_inbound(
                inbound.ref.platform, inbound.message_id, now
            ):
                log.info("duplicate inbound ignored", extra={"platform": inbound.ref.platform})
                return []
            # A quiz answer's FSRS card, or a round button's round, is read with the
            # learner (one query, not two or four).
            state = tx.learner_for(inbound.ref, now, read_along(intent))
            council = tx.council(state.council_id) if state.council_id is not None else None
            # Each council sees the shared packs plus its own local pack.
            curriculum = self._curriculum.for_council(council.code if council else None)
            way = route(state, intent, curriculum, inbound.council_hint)  # the one routing
            ctx = self._context(tx, state, council, curriculum, way.needs, now)
            decision = way.flow(state, ctx)
            if not way.needs.about_a_round:
                # What "already active today" means for the lesson nudge: anything but a
                # refresher round, so refreshers never withhold the lesson.
                decision = replace(decision, state=replace(decision.state, lesson_active_at=now))
            self._store_decision(tx, state, decision, ctx.council, now)
        log.info(
            "inbound handled",
            extra={
                "platform": inbound.ref.platform,
                "learner": state.learner_id,
                "intent": type(intent).__name__,
                "replies": len(decision.replies),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return list(decision.replies)

    def compose(self, delivery: ClaimedDelivery) -> Composed | Withheld:
        """Turn a claimed delivery into messages, or say why it must not be sent (the
        decisions are `bot.batch_compose.compose_one`'s, read in one transaction)."""
        now = self._clock.now()
        with self._store.transaction() as tx:
            state = tx.learner(delivery.learner_id)
            if state is None:
                return Withheld("skipped", "learner erased")
            council = tx.council(state.council_id) if state.council_id is not None else None
            how = Composing(self._curriculum, self._texts, now, tx.answered_since)
            return compose_one(
                delivery,
                state,
                tx.reach(delivery.learner_id),
                council,
                tx.progress(state.learner_id),
                how,
            )

    def _store_decision(
        self,
        tx: Transaction,
        state: LearnerState,
        decision: Decision,
        council: CouncilInfo | None,
        now: dt.datetime,
    ) -> None:
        retention = council.scheduling_retention if council else srs.DEFAULT_RETENTION
        for answer in decision.answers:
            self._record_answer(tx, state.learner_id, answer, retention)
        for record in decision.progress:
            tx.save_progress(state.learner_id, record)
        for review in decision.reviews:
            grade, memory, reviewed = self._review(
                tx,
                state.learner_id,
                review.question_id,
                review.correct,
                review.at,
                review.duration_ms,
                retention,
            )
            tx.save_memory(state.learner_id, memory, reviewed, review, int(grade))
        for guess in decision.guesses:
            self._regrade(tx, state.learner_id, guess.facts, retention)
        for effect in decision.effects:
            tx.apply(state.learner_id, effect, now)
        # Always: the store writes only what changed since `learner_for`, and that
        # includes the learner being seen now.
        tx.save_learner(decision.state, now)

    def _record_answer(
        self, tx: Transaction, learner_id: int, answer: AnswerRecord, retention: float
    ) -> None:
        """Store a quiz answer; on a refresher question it is also the question's FSRS
        review, kept with the answer, and the card moves only if the answer was new."""
        found = self._curriculum.find_question(answer.question_id)
        if found is None or not found[1].refresher:
            tx.record_answer(learner_id, answer)
            return
        question = answer.question_id
        grade, memory, reviewed = self._review(
            tx,
            learner_id,
            question,
            answer.correct,
            answer.answered_at,
            answer.duration_ms,
            retention,
        )
        if tx.record_answer(learner_id, answer, AnswerReview(int(grade), memory)):
            tx.save_card(learner_id, question, reviewed)

    def _review(
        self,
        tx: Transaction,
        learner_id: int,
        question_id: str,
        correct: bool,
        at: dt.datetime,
        duration_ms: int | None,
        retention: float,
    ) -> tuple[srs.Grade, Memory, Memory]:
        """An answer's FSRS review: its grade, the card before it and the card after."""
        grade = srs.grade_for(correct)  # "I guessed" may re-rate it later
        memory = tx.memory(learner_id, question_id, at)
        return grade, memory, srs.review(memory, grade, at, duration_ms, retention, self._fuzz)

    def _regrade(
        self, tx: Transaction, learner_id: int, facts: ReviewFacts, retention: float
    ) -> None:
        """ "I guessed": a right answer's review is done again as Hard, from the card as
        it was before; a wrong answer stays Again and is only marked."""
        before = facts.card_before
        if facts.rating == int(srs.Grade.GOOD) and before is not None:
            grade = srs.grade_for(True, guessed=True)
            again = srs.review(before, grade, facts.reviewed_at, None, retention, self._fuzz)
            tx.mark_guessed(learner_id, facts, again)
        else:
            tx.mark_guessed(learner_id, facts, None)

    def _context(
        self,
        tx: Transaction,
        state: LearnerState,
        council: CouncilInfo | None,
        curriculum: Curriculum,
        needs: Needs,
        now: dt.datetime,
    ) -> Context:
        """The `Context` for a flow: the learner's council and day, and what the route
        declared it reads (`Needs`), nothing more."""
        learner = state.learner_id
        found = tx.join_target(needs.join_code) if needs.join_code else None
        today = local_date(pacing_of(state, council), now)
        progress, answers = _progress_and_answers(tx, state, needs)
        return Context(
            curriculum=curriculum,
            texts=self._texts,
            now=now,
            council=council,
            found_council=tx.council(found.council_id) if found else None,
            found_join=found,
            progress=progress,
            answers=answers,
            answered_questions=tx.answered_questions(learner) if needs.answered else frozenset(),
            today=today,
            actor=tx.actor(learner, council.id) if council and needs.actor else None,
            fresh_token=secrets.token_urlsafe(24),
            team=tx.team_facts(learner, council.id, now, today) if council and needs.team else None,
            assessment=(
                tx.assessment_facts(learner, council.id, self._maturity)
                if council and self._maturity and needs.assessment
                else None
            ),
            my_data=tx.personal_data(learner) if needs.my_data else None,
            **self._round_context(tx, learner, needs),
        )

    @staticmethod
    def _round_context(tx: Transaction, learner_id: int, needs: Needs) -> dict[str, Any]:
        """The round a round button names, and the review (or check-up) "I guessed"
        names: on a round's item, or without a round the latest quiz review."""
        info = tx.round(learner_id, needs.round) if needs.round is not None else None
        pressed = needs.guess
        if pressed is None:
            return {"round": info}
        question = pressed.question_id
        if needs.round is not None:
            inside = info is not None and 0 <= pressed.item < len(info.questions)
            probe = info.probes.get(pressed.item) if info is not None else None
            if probe is not None:  # a learning-effect check-up, not a review
                return {"round": info, "probe": tx.probe(learner_id, probe)}
            question = info.questions[pressed.item] if info is not None and inside else None
        item = pressed.item if needs.round is not None else None
        facts = tx.review_facts(learner_id, question, needs.round, item) if question else None
        return {"round": info, "guess": facts}


def _progress_and_answers(
    tx: Transaction, state: LearnerState, needs: Needs
) -> tuple[dict[str, ModuleProgress], dict[str, AnswerRecord]]:
    """The module records and the current attempt's answers, if the route reads them:
    in one read when it reads both (a quiz's last answer scores the attempt), and with the
    round's answered check-ups for a round's answer."""
    learner = state.learner_id
    module = state.module_id if needs.answers else None  # no attempt outside a module
    if needs.progress and module is not None:
        return tx.progress_and_answers(learner, module, state.attempt)
    if needs.progress and needs.round is not None:  # with what the round reads, if it can
        return tx.progress_for_round(learner), {}
    progress = tx.progress(learner) if needs.progress else {}
    answers = tx.answers(learner, module, state.attempt) if module is not None else {}
    return progress, answers
