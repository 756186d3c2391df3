"""Simulated officers: who they are, and how they behave when a message arrives. Pure.

Each learner draws their traits once, from their own random stream (seeded by the run's
seed and their number), so two runs with the same seed share the same people whatever the
policy under test does to them. Their behaviour draws from the same stream as they go.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from app.sim.memory import Trace, learner_multiplier
from scheduler.pacing import Pacing, learner_pacing

TIMES = ("08:30", "12:30", "16:00")
DAY_SETS = ("mon tue wed thu fri", "mon tue wed thu", "tue wed thu fri")
QUESTION_SECONDS = (10.0, 25.0)  # to read a question and pick an answer
PRESS_SECONDS = 2.0  # to find and press a button, on top of reading
SOON_SHARE = 0.6  # reactions within a quarter of an hour; the rest come hours later
LATEST_REACTION = dt.time(18, 30)  # local: nobody reacts later than this in the day
HONESTY = 0.85  # chance of pressing "I guessed" after a guess, when it is offered
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Profile:
    """What one simulated officer is like (drawn once)."""

    index: int
    nation: str
    days: tuple[str, ...]
    learning_time: str
    respond: float  # chance of reacting to a message at all
    understand: float  # chance of understanding a question at first reading
    multiplier: float  # how well they hold what they learn (stability multiplier)
    words_per_minute: float  # reading speed
    sitting_minutes: float  # how long they give one sitting before leaving it
    appetite: float  # chance of going on to the next module after finishing one
    patience: int  # refresher questions answered in one sitting before pressing "Later"
    quiet_from: dt.date | None  # stops reacting from this day
    leave: tuple[dt.date, dt.date] | None  # (announced on, last day away)

    @property
    def user_id(self) -> str:
        """The learner's user id on the simulated platform."""
        return f"sim-{self.index}"

    @property
    def calendar(self) -> Pacing:
        """Their pacing calendar as the service stores it (the simulated councils keep
        the default time zone and hours): working days, nation, leave."""
        away_from, away_until = self.leave if self.leave is not None else (None, None)
        return learner_pacing(
            working_days=self.days,
            nation=self.nation,
            learning_time=self.learning_time,
            away_from=away_from,
            away_until=away_until,
        )


@dataclass
class Learner:
    """A simulated officer and what they carry from moment to moment."""

    profile: Profile
    rng: random.Random
    memory: dict[str, Trace] = field(default_factory=dict)
    learner_id: int | None = None  # their row in the database, once enrolled
    leave_start: dt.datetime | None = None  # when they sent /pause


def draw_profile(seed: int, index: int, first_day: dt.date, days: int) -> Learner:
    """One learner with their traits, from their own random stream."""
    rng = random.Random(f"{seed}:learner:{index}")  # noqa: S311 - a simulation
    scottish = rng.random() < 0.2
    leave = None
    if rng.random() < 0.15:
        announced = first_day + dt.timedelta(days=rng.randrange(1, max(days - 5, 2)))
        leave = (announced, announced + dt.timedelta(days=rng.randrange(3, 12)))
    quiet = first_day + dt.timedelta(days=rng.randrange(days)) if rng.random() < 0.1 else None
    profile = Profile(
        index=index,
        nation="scotland" if scottish else "england",
        days=tuple(rng.choice(DAY_SETS).split()),
        learning_time=rng.choice(TIMES),
        respond=rng.uniform(0.3, 0.95),
        understand=rng.uniform(0.75, 0.97),
        multiplier=learner_multiplier(rng),
        words_per_minute=rng.uniform(150.0, 300.0),
        sitting_minutes=rng.uniform(8.0, 15.0),
        appetite=rng.uniform(0.0, 0.4),
        patience=rng.randint(3, 15),
        quiet_from=quiet,
        leave=leave,
    )
    return Learner(profile, rng)


def is_quiet(profile: Profile, day: dt.date) -> bool:
    """True once the learner has gone quiet."""
    return profile.quiet_from is not None and day >= profile.quiet_from


def reaction_at(learner: Learner, arrived: dt.datetime, zone: dt.tzinfo) -> dt.datetime | None:
    """When the learner turns to a message that arrived at `arrived`, or None if they
    ignore it. Most react within a quarter of an hour, the rest half an hour to five
    hours later, on the same day and by `LATEST_REACTION` local time (or a minute after
    arrival, for a message that arrives later than that)."""
    rng = learner.rng
    if rng.random() > learner.profile.respond:
        return None
    local = arrived.astimezone(zone)
    latest = dt.datetime.combine(local.date(), LATEST_REACTION, zone).astimezone(dt.UTC)
    left = (latest - arrived).total_seconds() / 60
    if rng.random() < SOON_SHARE:
        delay = rng.uniform(1.0, 15.0)
    else:
        delay = rng.uniform(30.0, max(30.0, min(300.0, left)))
    return max(min(arrived + dt.timedelta(minutes=delay), latest), arrived + MINUTE)


def reading_seconds(profile: Profile, text: str) -> float:
    """Time to read a message and press its button."""
    return len(text.split()) / profile.words_per_minute * 60.0 + PRESS_SECONDS


def question_seconds(learner: Learner) -> float:
    """Time to read a question and answer it."""
    return learner.rng.uniform(*QUESTION_SECONDS)


def owns_up(learner: Learner) -> bool:
    """Does the learner press "I guessed" after a guess (when it is offered)?"""
    return learner.rng.random() < HONESTY
