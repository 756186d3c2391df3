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

from bot import payloads
from bot.conversation import respond
from bot.decision import Context, Decision
from bot.deliveries import ClaimedDelivery, Composed, Review, Withheld
from bot.flows import assessment, mydata
from bot.flows.onboarding import join_code_wanted
from bot.flows.proactive import compose, pacing_of
from bot.flows.team import team_wanted
from bot.intents import Press, read_intent
from bot.messages import Inbound, Outbound, without_nul
from bot.ports import Clock, Store, Transaction
from bot.state import LearnerState, OrgInfo
from bot.texts import ENGLISH, Texts
from lessons.maturity import MaturityModel
from lessons.model import Curriculum
from scheduler import srs
from scheduler.pacing import local_date

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
        intent = read_intent(inbound)
        with self._store.transaction() as tx:
            if inbound.message_id is not None and not tx.claim_inbound(
                inbound.ref.platform, inbound.message_id, now
            ):
                log.info("duplicate inbound ignored", extra={"platform": inbound.ref.platform})
                return []
            state = tx.learner_for(inbound.ref, now)
            join_code = join_code_wanted(state, intent, inbound.org_hint)
            ctx = self._context(tx, state, join_code, now, intent)
            decision = respond(state, intent, ctx)
            self._store_decision(tx, state, decision, ctx.org, now)
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
        """Turn a claimed delivery into messages, or say why it must not be sent."""
        now = self._clock.now()
        with self._store.transaction() as tx:
            state = tx.learner(delivery.learner_id)
            if state is None:
                return Withheld("skipped", "learner erased")
            ref = tx.reach(delivery.learner_id)
            if ref is None:
                return Withheld("unreachable", "no reachable chat")
            org = tx.org(state.org_id) if state.org_id is not None else None
            ctx = Context(
                curriculum=self._curriculum.for_council(org.code if org else None),
                texts=self._texts,
                now=now,
                org=org,
                progress=tx.progress(state.learner_id),
                today=local_date(pacing_of(state, org), now),
            )
            composed = compose(delivery, state, org, ctx)
        if isinstance(composed, Withheld):
            return composed
        return Composed(ref, composed)

    def _store_decision(
        self,
        tx: Transaction,
        state: LearnerState,
        decision: Decision,
        org: OrgInfo | None,
        now: dt.datetime,
    ) -> None:
        reviews = list(decision.reviews)
        for answer in decision.answers:
            recorded = tx.record_answer(state.learner_id, answer)
            found = self._curriculum.find_question(answer.question_id)
            if recorded and found is not None and found[1].refresher:
                reviews.append(
                    Review(
                        answer.question_id,
                        answer.correct,
                        answer.answered_at,
                        answer.duration_ms,
                        "quiz",
                    )
                )
        for record in decision.progress:
            tx.save_progress(state.learner_id, record)
        retention = org.desired_retention if org else srs.DEFAULT_RETENTION
        for review in reviews:
            # A refresher's time includes the time before the learner saw it, so speed is
            # logged (for optimising) but only a quiz answer's speed sets the rating.
            speed = review.duration_ms if review.source == "quiz" else None
            grade = srs.grade_for(review.correct, speed)
            memory = tx.memory(state.learner_id, review.question_id, review.at)
            reviewed = srs.review(
                memory, grade, review.at, review.duration_ms, retention, self._fuzz
            )
            tx.save_memory(state.learner_id, reviewed, review, int(grade))
        for effect in decision.effects:
            tx.apply(state.learner_id, effect, now)
        if decision.state != state:
            tx.save_learner(decision.state, now)

    def _context(
        self,
        tx: Transaction,
        state: LearnerState,
        join_code: str | None,
        now: dt.datetime,
        intent: object,
    ) -> Context:
        org = tx.org(state.org_id) if state.org_id is not None else None
        found = tx.join_target(join_code) if join_code else None
        pressed = isinstance(intent, Press)
        picked = payloads.read_payload(intent.payload) if isinstance(intent, Press) else None
        return Context(
            # Each council sees the shared packs plus its own local pack.
            curriculum=self._curriculum.for_council(org.code if org else None),
            texts=self._texts,
            now=now,
            org=org,
            found_org=tx.org(found.org_id) if found else None,
            found_join=found,
            progress=tx.progress(state.learner_id),
            answers=(
                tx.answers(state.learner_id, state.module_id, state.attempt)
                if state.module_id
                else {}
            ),
            # Only a button press can repeat an earlier answer; skip the query otherwise.
            answered_questions=(
                tx.answered_questions(state.learner_id) if pressed else frozenset()
            ),
            today=local_date(pacing_of(state, org), now),
            roles=tx.roles(state.learner_id, org.id) if org else frozenset(),
            fresh_token=secrets.token_urlsafe(24),
            team=(
                tx.team_facts(state.learner_id, org.id, now, local_date(pacing_of(state, org), now))
                if org and team_wanted(intent)
                else None
            ),
            assessment=(
                tx.assessment_facts(state.learner_id, org.id, self._maturity)
                if org and self._maturity and assessment.wanted(intent)
                else None
            ),
            my_data=tx.personal_data(state.learner_id) if mydata.wanted(intent) else None,
            refresher=(
                tx.refresher(state.learner_id, picked.delivery_id)
                if isinstance(picked, payloads.RefresherAnswer)
                else None
            ),
        )
