"""The bot service: the one `handle` seam every adapter calls.

It opens one transaction per inbound message: de-duplicates platform re-deliveries,
loads the learner (locked), runs the pure flows, and stores the new state and records
before the replies leave. A crash therefore never half-records an answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from bot.conversation import respond
from bot.decision import Context
from bot.flows.onboarding import join_code_wanted
from bot.intents import Press, read_intent
from bot.messages import Inbound, Outbound
from bot.ports import Clock, Store, Transaction
from bot.state import LearnerState
from bot.texts import ENGLISH, Texts
from lessons.model import Curriculum

log = logging.getLogger(__name__)


class BotService:
    """Handles inbound messages for any platform."""

    def __init__(
        self, curriculum: Curriculum, store: Store, clock: Clock, texts: Texts = ENGLISH
    ) -> None:
        self._curriculum = curriculum
        self._store = store
        self._clock = clock
        self._texts = texts

    @property
    def curriculum(self) -> Curriculum:
        """The curriculum this bot teaches."""
        return self._curriculum

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Process one inbound message and return the replies to send."""
        started = time.perf_counter()
        now = self._clock.now()
        intent = read_intent(inbound)
        with self._store.transaction() as tx:
            if inbound.message_id is not None and not tx.claim_inbound(
                inbound.ref.platform, inbound.message_id, now
            ):
                log.info("duplicate inbound ignored", extra={"platform": inbound.ref.platform})
                return []
            state = tx.learner_for(inbound.ref, now)
            join_code = join_code_wanted(state, intent, inbound.org_hint)
            ctx = self._context(tx, state, join_code, now, isinstance(intent, Press))
            decision = respond(state, intent, ctx)
            for answer in decision.answers:
                tx.record_answer(state.learner_id, answer)
            for record in decision.progress:
                tx.save_progress(state.learner_id, record)
            if decision.state != state:
                tx.save_learner(decision.state, now)
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

    def _context(
        self,
        tx: Transaction,
        state: LearnerState,
        join_code: str | None,
        now: dt.datetime,
        pressed: bool,
    ) -> Context:
        org = tx.org(state.org_id) if state.org_id is not None else None
        return Context(
            # Each council sees the shared packs plus its own local pack.
            curriculum=self._curriculum.for_council(org.code if org else None),
            texts=self._texts,
            now=now,
            org=org,
            found_org=tx.org_by_join_code(join_code) if join_code else None,
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
        )
