"""The bot's `Store` and `Transaction` ports in memory, for flow tests without a database.

It keeps what onboarding, learning, refresher rounds and settings read and write, with
the SQL store's rules where the flows can tell: a transaction commits on success and
leaves nothing behind on an error, a platform message id is claimed once, an answer is
recorded once per question and attempt, a learner is created on first contact and seen
anew on each message, and a round's answers are its reviews. The self-assessment, the
personal-data copy and learning-effect check-ups are not kept here: their flows are
tested on the database (`personal_data` and `assessment_facts` refuse; `probe` finds
none). A flow's other effects are recorded in `effects` and not carried out, except
erasure.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from bot.access import Actor, Role
from bot.deliveries import AnswerReview, ProbeFacts, Review, ReviewFacts, RoundInfo
from bot.effects import FlowEffect
from bot.messages import ConversationRef
from bot.people import JoinTarget, TeamFacts
from bot.ports import NOTHING_ALONG, ReadAlong
from bot.records import AssessmentFacts, EraseLearner, PersonalData
from bot.state import (
    AnswerRecord,
    Awaiting,
    CouncilInfo,
    LearnerState,
    ModuleProgress,
    Stage,
)
from lessons.maturity import MaturityModel
from scheduler.pacing import DEFAULT_WORKING_DAYS
from scheduler.planner import RoundPlan
from scheduler.srs import Memory, new_memory


@dataclass
class LoggedReview:
    """One review in the log, as `review_facts` and `round` read it back."""

    id: int
    learner_id: int
    question_id: str
    rating: int
    reviewed_at: dt.datetime
    source: str
    card_before: Memory
    round_id: int | None = None
    round_item: int | None = None
    guessed: bool = False


@dataclass
class SentRound:
    """A refresher round delivered to a learner: its plan and when it was sent."""

    learner_id: int
    plan: RoundPlan
    sent_at: dt.datetime


@dataclass
class Tables:
    """Everything the store holds; a transaction works on a copy of it."""

    learners: dict[int, LearnerState] = field(default_factory=dict)
    identities: dict[tuple[str, str], int] = field(default_factory=dict)  # (platform, user)
    reach: dict[int, ConversationRef] = field(default_factory=dict)  # last written from
    councils: dict[int, CouncilInfo] = field(default_factory=dict)
    join_codes: dict[str, int] = field(default_factory=dict)  # lower-cased code -> council
    grants: dict[tuple[int, int], list[tuple[str, int | None]]] = field(default_factory=dict)
    progress: dict[int, dict[str, ModuleProgress]] = field(default_factory=dict)
    answers: dict[tuple[int, str, int], AnswerRecord] = field(default_factory=dict)
    cards: dict[tuple[int, str], Memory] = field(default_factory=dict)
    reviews: list[LoggedReview] = field(default_factory=list)
    rounds: dict[int, SentRound] = field(default_factory=dict)
    inbound: set[tuple[str, str]] = field(default_factory=set)
    effects: list[tuple[int, FlowEffect]] = field(default_factory=list)
    last_ids: dict[str, int] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        """The next id of a kind of record, from 1, as a table's own sequence gives it."""
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]


class MemoryStore:
    """Opens transactions on tables kept in memory."""

    def __init__(self) -> None:
        self.tables = Tables()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        """A unit of work on a copy of the tables, kept only if it ends without error."""
        working = copy.deepcopy(self.tables)
        yield MemoryTransaction(working)
        self.tables = working

    def add_council(self, code: str, name: str, join_code: str, **pacing: object) -> CouncilInfo:
        """A council (with pacing settings other than the defaults, if given)."""
        council = CouncilInfo(self.tables.new_id("council"), code, name, **pacing)  # type: ignore[arg-type]
        self.tables.councils[council.id] = council
        self.tables.join_codes[join_code.lower()] = council.id
        return council

    def grant(
        self, learner_id: int, council_id: int, role: Role, team_id: int | None = None
    ) -> None:
        """Give a learner a role in a council."""
        self.tables.grants.setdefault((learner_id, council_id), []).append((role.value, team_id))

    def send_round(self, learner_id: int, plan: RoundPlan, at: dt.datetime) -> int:
        """Record a refresher round as sent to the learner at `at`; its delivery id."""
        delivery_id = self.tables.new_id("delivery")
        self.tables.rounds[delivery_id] = SentRound(learner_id, plan, at)
        return delivery_id

    def learner_of(self, platform: str, user_id: str) -> LearnerState:
        """The stored state of the learner behind a platform identity."""
        return self.tables.learners[self.tables.identities[(platform, user_id)]]


class MemoryTransaction:
    """The reads and writes of one inbound message, on the transaction's tables."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def claim_inbound(self, platform: str, message_id: str, at: dt.datetime) -> bool:
        """Record a message id; False if it was seen before."""
        key = (platform, message_id)
        if key in self.tables.inbound:
            return False
        self.tables.inbound.add(key)
        return True

    def learner_for(
        self, ref: ConversationRef, at: dt.datetime, along: ReadAlong = NOTHING_ALONG
    ) -> LearnerState:
        """The learner behind an identity, created on first contact, seen at `at`."""
        learner_id = self.tables.identities.get((ref.platform, ref.user_id))
        if learner_id is None:
            learner_id = self.tables.new_id("learner")
            self.tables.identities[(ref.platform, ref.user_id)] = learner_id
            self.tables.learners[learner_id] = _new_learner(learner_id, at)
        self.tables.reach[learner_id] = ref
        # Writing to us proves the learner can be reached (as storage.store does).
        return replace(self.tables.learners[learner_id], last_seen_at=at, nudges_ignored=0)

    def save_learner(self, state: LearnerState, at: dt.datetime) -> None:
        """Store the new state (nothing for a learner erased in this transaction)."""
        if state.learner_id in self.tables.learners:
            self.tables.learners[state.learner_id] = state

    def council(self, council_id: int) -> CouncilInfo | None:
        """A council by id."""
        return self.tables.councils.get(council_id)

    def council_by_join_code(self, join_code: str) -> CouncilInfo | None:
        """A council by join code, ignoring case."""
        council_id = self.tables.join_codes.get(join_code.strip().lower())
        return self.tables.councils.get(council_id) if council_id is not None else None

    def progress(self, learner_id: int) -> dict[str, ModuleProgress]:
        """The learner's module records."""
        return dict(self.tables.progress.get(learner_id, {}))

    def save_progress(self, learner_id: int, progress: ModuleProgress) -> None:
        """Insert or replace a module record."""
        self.tables.progress.setdefault(learner_id, {})[progress.module_id] = progress

    def progress_and_answers(
        self, learner_id: int, module_id: str, attempt: int
    ) -> tuple[dict[str, ModuleProgress], dict[str, AnswerRecord]]:
        """The module records and one attempt's answers."""
        return self.progress(learner_id), self.answers(learner_id, module_id, attempt)

    def progress_for_round(self, learner_id: int) -> dict[str, ModuleProgress]:
        """The module records (nothing else to read along here)."""
        return self.progress(learner_id)

    def answers(self, learner_id: int, module_id: str, attempt: int) -> dict[str, AnswerRecord]:
        """The answers of one quiz attempt."""
        return {
            question: answer
            for (learner, question, tried), answer in self.tables.answers.items()
            if learner == learner_id and tried == attempt and answer.module_id == module_id
        }

    def answered_questions(self, learner_id: int) -> frozenset[str]:
        """Every question the learner has answered."""
        return frozenset(q for (learner, q, _a) in self.tables.answers if learner == learner_id)

    def record_answer(
        self, learner_id: int, answer: AnswerRecord, review: AnswerReview | None = None
    ) -> bool:
        """Store an answer, with its review in the log here; False if that question was
        answered in that attempt already."""
        key = (learner_id, answer.question_id, answer.attempt)
        if key in self.tables.answers:
            return False
        self.tables.answers[key] = answer
        if review is not None:
            log = LoggedReview(
                self.tables.new_id("review"),
                learner_id,
                answer.question_id,
                review.rating,
                answer.answered_at,
                "quiz",
                review.card_before,
            )
            self.tables.reviews.append(log)
        return True

    def learner(self, learner_id: int) -> LearnerState | None:
        """A learner's state, read only."""
        return self.tables.learners.get(learner_id)

    def reach(self, learner_id: int) -> ConversationRef | None:
        """The identity the learner last wrote from."""
        return self.tables.reach.get(learner_id)

    def round(self, learner_id: int, delivery_id: int) -> RoundInfo | None:
        """A round sent to this learner, with its items answered so far (its reviews)."""
        sent = self.tables.rounds.get(delivery_id)
        if sent is None or sent.learner_id != learner_id:
            return None
        reviews = [r for r in self.tables.reviews if r.round_id == delivery_id]
        plan = sent.plan
        return RoundInfo(
            delivery_id,
            plan.questions,
            sent.sent_at,
            {r.round_item: r.rating > 1 for r in reviews if r.round_item is not None},
            plan.backlog,
            plan.lesson_held,
            plan.backlog_limit,
            {item: probe for item, (probe, _variant) in enumerate(plan.probes)},
            min((r.reviewed_at for r in reviews), default=None),
        )

    def review_facts(
        self, learner_id: int, question_id: str, round_id: int | None, round_item: int | None
    ) -> ReviewFacts | None:
        """A round item's review, or (without a round) the latest quiz review."""
        matching = [
            r
            for r in self.tables.reviews
            if r.learner_id == learner_id
            and r.question_id == question_id
            and (
                (r.round_id, r.round_item) == (round_id, round_item)
                if round_id is not None
                else r.source == "quiz"
            )
        ]
        if not matching:
            return None
        log = matching[-1]
        card = self.tables.cards.get((learner_id, question_id))
        latest = card is not None and card.last_review == log.reviewed_at
        return ReviewFacts(
            log.id,
            question_id,
            log.rating,
            log.guessed,
            log.reviewed_at,
            log.card_before,
            latest,
            log.source == "quiz",
        )

    def answered_since(
        self, learner_id: int, questions: Sequence[str], probes: Sequence[int], since: dt.datetime
    ) -> tuple[frozenset[str], frozenset[int]]:
        """Which of these questions were reviewed since a time (check-ups: none kept)."""
        reviewed = frozenset(
            r.question_id
            for r in self.tables.reviews
            if r.learner_id == learner_id and r.question_id in questions and r.reviewed_at >= since
        )
        return reviewed, frozenset()

    def probe(self, learner_id: int, probe_id: int) -> ProbeFacts | None:
        """Learning-effect check-ups are not kept in memory."""
        return None

    def mark_guessed(self, learner_id: int, facts: ReviewFacts, memory: Memory | None) -> None:
        """Mark a review as a guess; with a memory, re-rate it Hard and store the card."""
        log = next(r for r in self.tables.reviews if r.id == facts.review_id)
        assert log.learner_id == learner_id
        log.guessed = True
        if memory is not None:
            log.rating = 2  # Hard: see scheduler.srs
            self.tables.cards[(learner_id, log.question_id)] = memory

    def memory(self, learner_id: int, question_id: str, at: dt.datetime) -> Memory:
        """The learner's card for a question (card id 0, due now, if never reviewed)."""
        return self.tables.cards.get((learner_id, question_id)) or new_memory(0, at)

    def save_memory(
        self, learner_id: int, before: Memory, memory: Memory, review: Review, grade: int
    ) -> None:
        """Store the reviewed card and log the review with the card before it."""
        card_id = self._store_card(learner_id, review.question_id, memory)
        log = LoggedReview(
            self.tables.new_id("review"),
            learner_id,
            review.question_id,
            grade,
            review.at,
            review.source,
            replace(before, card_id=card_id),
            review.round_id,
            review.round_item,
        )
        self.tables.reviews.append(log)

    def save_card(self, learner_id: int, question_id: str, memory: Memory) -> None:
        """Store the card a quiz answer reviewed (its review is kept with the answer)."""
        self._store_card(learner_id, question_id, memory)

    def _store_card(self, learner_id: int, question_id: str, memory: Memory) -> int:
        card_id = memory.card_id or self.tables.new_id("card")  # a first review creates the card
        self.tables.cards[(learner_id, question_id)] = replace(memory, card_id=card_id)
        return card_id

    def actor(self, learner_id: int, council_id: int) -> Actor:
        """The learner as an actor in a council, with the roles granted there."""
        roles = self.tables.grants.get((learner_id, council_id), [])
        return Actor.from_roles(learner_id, council_id, roles)

    def apply(self, learner_id: int, effect: FlowEffect, at: dt.datetime) -> None:
        """Record a flow's effect; erasure is carried out."""
        self.tables.effects.append((learner_id, effect))
        if isinstance(effect, EraseLearner):
            self.tables.learners.pop(learner_id, None)
            self.tables.reach.pop(learner_id, None)
            self.tables.progress.pop(learner_id, None)

    def join_target(self, code: str) -> JoinTarget | None:
        """The council a join code names (teams and roster invites are not kept)."""
        council = self.council_by_join_code(code)
        return JoinTarget(council.id) if council else None

    def team_facts(
        self, learner_id: int, council_id: int, now: dt.datetime, today: dt.date
    ) -> TeamFacts:
        """No teams are kept: a team of nobody."""
        council = self.tables.councils[council_id]
        return TeamFacts((), (), 0.0, council.desired_retention)

    def assessment_facts(
        self, learner_id: int, council_id: int, model: MaturityModel
    ) -> AssessmentFacts:
        """Not kept in memory: /assess is tested on the database."""
        raise NotImplementedError("the self-assessment is tested on the database")

    def personal_data(self, learner_id: int) -> PersonalData | None:
        """Not kept in memory: /mydata is tested on the database."""
        raise NotImplementedError("personal data is tested on the database")


def _new_learner(learner_id: int, at: dt.datetime) -> LearnerState:
    """A learner on first contact, as the learner table's defaults make them."""
    return LearnerState(
        learner_id=learner_id,
        council_id=None,
        stage=Stage.NEW,
        awaiting=Awaiting.NOTHING,
        paused=False,
        learning_time=None,
        working_days=DEFAULT_WORKING_DAYS,
        module_id=None,
        cursor=0,
        attempt=0,
        pending_question=None,
        question_shown_at=None,
        last_seen_at=at,
    )
