"""What a flow returns, and the read-only context it decides from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot import payloads
from bot.access import Actor
from bot.deliveries import Guess, ProbeFacts, Review, ReviewFacts, RoundInfo
from bot.messages import Choice, Outbound
from bot.people import JoinTarget, TeamFacts
from bot.records import AssessmentFacts, PersonalData
from bot.state import AnswerRecord, CouncilInfo, LearnerState, ModuleProgress
from bot.texts import Texts
from lessons.model import Curriculum

if TYPE_CHECKING:  # bot.effects imports the flows, which import this module
    from bot.effects import FlowEffect


@dataclass(frozen=True)
class Context:
    """Everything a flow may read: loaded by the service before the flow runs. Besides
    the council and the day, only what the flow's route declares (`Needs`) is loaded;
    the rest keeps its empty default.

    `found_council` is the council for the join code the route named (`Needs.join_code`),
    already looked up.
    """

    curriculum: Curriculum
    texts: Texts
    now: dt.datetime
    council: CouncilInfo | None = None
    found_council: CouncilInfo | None = None
    progress: Mapping[str, ModuleProgress] = field(default_factory=dict)
    answers: Mapping[str, AnswerRecord] = field(default_factory=dict)
    answered_questions: frozenset[str] = frozenset()
    today: dt.date | None = None  # the learner's local date, where it matters
    round: RoundInfo | None = None  # the round a pressed rf:, guess:r: or later: button names
    guess: ReviewFacts | None = None  # the review an "I guessed" button names
    probe: ProbeFacts | None = None  # … or the check-up it names
    # The learner as an actor in their council, with their role grants (None before they
    # join one); flows ask `bot.access` what it may do.
    actor: Actor | None = None
    # A fresh random secret per inbound, for flows that hand out one-time links (only
    # its hash is ever stored, by the effect that uses it).
    fresh_token: str = ""
    # What the join code found (a council, a team or a roster invite), and a manager's
    # team facts for /team and nudge buttons.
    found_join: JoinTarget | None = None
    team: TeamFacts | None = None
    # The self-assessment (model, council's areas, the learner's answers) and the learner's
    # own stored data, loaded only for the routes that declare them (/assess, /mydata).
    assessment: AssessmentFacts | None = None
    my_data: PersonalData | None = None

    @property
    def local_today(self) -> dt.date:
        """The learner's local date (UTC date when the service did not say)."""
        return self.today or self.now.date()


@dataclass(frozen=True)
class Needs:
    """What a flow reads beyond the learner, their council and today: each route
    (`bot.routes`) declares it, and the service loads exactly this into the `Context`
    before it runs the flow."""

    progress: bool = False  # the learner's module records
    answers: bool = False  # the current quiz attempt's answers
    answered: bool = False  # every question ever answered (a repeated answer button)
    actor: bool = False  # the learner's role grants in their council
    team: bool = False  # a manager's team facts
    assessment: bool = False  # the self-assessment's model and answers
    my_data: bool = False  # what is stored about the learner
    join_code: str | None = None  # a join code to look up (`found_council`, `found_join`)
    round: int | None = None  # the refresher round (a delivery id) a button names
    guess: payloads.Guessed | None = None  # the review or check-up "I guessed" names

    @property
    def about_a_round(self) -> bool:
        """Whether the intent is about a refresher round (its answers, "Later", "I
        guessed" on its items): such messages never count as lesson activity, so a
        round never withholds the day's lesson."""
        return self.round is not None


@dataclass(frozen=True)
class Decision:
    """A flow's result: the new state, the replies, and the records to store."""

    state: LearnerState
    replies: tuple[Outbound, ...]
    answers: tuple[AnswerRecord, ...] = ()
    progress: tuple[ModuleProgress, ...] = ()
    reviews: tuple[Review, ...] = ()
    guesses: tuple[Guess, ...] = ()  # earlier reviews the learner says were guesses
    # Other writes a flow asks for, each a member of the closed union `bot.effects.FlowEffect`;
    # the service hands each to `Transaction.apply` inside the same transaction.
    effects: tuple[FlowEffect, ...] = ()

    def then(self, other: Decision) -> Decision:
        """This decision followed by another that started from this one's state."""
        return Decision(
            other.state,
            self.replies + other.replies,
            self.answers + other.answers,
            self.progress + other.progress,
            self.reviews + other.reviews,
            self.guesses + other.guesses,
            self.effects + other.effects,
        )


def say(state: LearnerState, *replies: Outbound, **changes: object) -> Decision:
    """A decision that replies and optionally changes some state fields."""
    new_state = replace(state, **changes) if changes else state  # type: ignore[arg-type]
    return Decision(new_state, tuple(replies))


def text(body: str, *choices: Choice) -> Outbound:
    """A reply with optional buttons."""
    return Outbound(body, tuple(choices))
