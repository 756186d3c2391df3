"""What composing a claimed batch of deliveries reads, in one transaction of four reads:
the learners, their reachable identities, their councils and their module records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.batch_compose import ComposeInputs
from bot.messages import ConversationRef
from bot.state import ModuleProgress, ModuleStatus
from storage.delivery_reads import answered_since
from storage.learner_rows import REACH_ORDER
from storage.store import _to_council, _to_state
from storage.tables import Council, Identity, Learner, ModuleProgressRow


class SqlComposeReads:
    """Reads a batch's inputs; the same answers as the per-learner reads of the store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def answered_since(
        self, learner_id: int, questions: Sequence[str], probes: Sequence[int], since: dt.datetime
    ) -> tuple[frozenset[str], frozenset[int]]:
        """A round's questions reviewed, and check-ups answered, since it was planned."""
        with Session(self._engine) as session:
            return answered_since(session, learner_id, questions, probes, since)

    def read(self, learner_ids: Sequence[int]) -> ComposeInputs:
        """The inputs for these learners (erased learners are simply absent)."""
        ids = sorted(set(learner_ids))
        inputs = ComposeInputs()
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            for learner in session.exec(select(Learner).where(col(Learner.id).in_(ids))):
                inputs.states[learner.id or 0] = _to_state(learner)
            # Newest first, so the first identity seen per learner is the one they last
            # wrote from (as the store's `reach`).
            for identity in session.exec(
                select(Identity)
                .where(col(Identity.learner_id).in_(ids), col(Identity.unreachable_at).is_(None))
                .order_by(*REACH_ORDER)
            ):
                inputs.reaches.setdefault(
                    identity.learner_id,
                    ConversationRef(
                        identity.platform,
                        identity.conversation_id,
                        identity.user_id,
                        json.loads(identity.extra),
                    ),
                )
            council_ids = {s.council_id for s in inputs.states.values() if s.council_id is not None}
            for council in session.exec(select(Council).where(col(Council.id).in_(council_ids))):
                inputs.councils[council.id or 0] = _to_council(council)
            for row in session.exec(
                select(ModuleProgressRow).where(col(ModuleProgressRow.learner_id).in_(ids))
            ):
                inputs.progress.setdefault(row.learner_id, {})[row.module_id] = ModuleProgress(
                    row.module_id,
                    ModuleStatus(row.status),
                    row.attempt,
                    row.started_at,
                    row.completed_at,
                    row.score,
                    row.total,
                )
        return inputs
