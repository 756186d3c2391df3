"""People in a council as plain values, and the pure rules of a manager's team report.

Storage gathers the facts (`TeamFacts`), always scoped by the acting person's council and
teams; these functions decide who is on track, behind or stuck and which topics the team
is weakest on. `standing_of` is the one definition of "behind" and "stuck": the chat
`/team` command, the web dashboard's "Learners behind" page and the standing export all
use it, over the same people (everyone in the teams the viewer may see, the viewer
included; the whole council for a council admin), at the same instant.

Each person is judged in their own pacing calendar (`MemberFacts.calendar`): their local
date, and working days as the scheduler counts them (`scheduler.pacing.is_working_day`:
their working days, without bank holidays of their nation or leave); "on leave" is
`scheduler.pacing.on_leave`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from statistics import mean

from lessons.model import Curriculum
from scheduler import srs
from scheduler.pacing import Pacing, is_working_day, local_date, on_leave

# A module in progress with no step forward for this many working days is "stuck".
STUCK_AFTER_DAYS = 3
# No module finished for this many working days (since joining or the last one) is
# "behind"; so is finishing fewer modules than the council's median, once past this.
BEHIND_AFTER_DAYS = 10
# Counting stops here: "more than a year" reads the same as any larger number.
_COUNT_LIMIT = 400


@dataclass(frozen=True)
class JoinTarget:
    """What a join code found: a council, and perhaps a team in it, or a person a roster
    import pre-registered (whose record the code claims)."""

    council_id: int
    team_id: int | None = None
    team_name: str | None = None
    invitee_id: int | None = None


@dataclass(frozen=True)
class MemberFacts:
    """What a manager's report needs to know of one team member (no scores)."""

    learner_id: int
    name: str | None
    team_id: int | None  # None: in no team (a council admin sees them too)
    team_name: str  # "" when in no team
    joined_at: dt.datetime
    onboarded: bool
    paused: bool
    # Their pacing calendar (`scheduler.pacing.learner_pacing`): time zone, nation for
    # bank holidays, working days and leave, their own settings else their council's.
    calendar: Pacing
    completed: int
    last_completed_at: dt.datetime | None
    module_id: str | None
    last_step_at: dt.datetime
    nudged_today: bool = False


@dataclass(frozen=True)
class CardFacts:
    """One FSRS card of a team member."""

    learner_id: int
    question_id: str
    memory: srs.Memory


@dataclass(frozen=True)
class TeamFacts:
    """Everything a manager's team report is computed from."""

    members: tuple[MemberFacts, ...]
    cards: tuple[CardFacts, ...]
    council_median: float
    recall_scale: float  # the council's fitted memory scale (scheduler.calibration)
    # Possible misconceptions: (question id, people) who answered it wrong without tapping
    # "I guessed" in the last `MISCONCEPTION_DAYS` days, most people first.
    misconceptions: tuple[tuple[str, int], ...] = ()


MISCONCEPTION_DAYS = 30  # how far back /team looks for possible misconceptions
MAX_MISCONCEPTIONS = 3


class Standing(Enum):
    """Where a team member stands."""

    ON_TRACK = "on_track"
    BEHIND = "behind"
    STUCK = "stuck"
    AWAY = "away"  # paused or on leave: not to be chased
    NOT_JOINED = "not_joined"  # pre-registered or still onboarding


@dataclass(frozen=True)
class MemberStanding:
    """A member's standing with the number of working days behind it."""

    member: MemberFacts
    standing: Standing
    days: int = 0  # working days without a finished module (behind) or a step (stuck)


@dataclass(frozen=True)
class TopicRecall:
    """A module's mean predicted recall over the team's refresher cards."""

    module_id: str
    title: str
    recall: float
    cards: int


def working_days_since(start: dt.date, today: dt.date, pacing: Pacing) -> int:
    """Working days after `start` up to and including `today` (capped at ~a year): the
    person's working days that are not bank holidays or leave."""
    count = 0
    day = start + dt.timedelta(days=1)
    for _ in range(_COUNT_LIMIT):
        if day > today:
            break
        if is_working_day(pacing, day):
            count += 1
        day += dt.timedelta(days=1)
    return count


def standing_of(
    member: MemberFacts, now: dt.datetime, median: float, module_count: int
) -> MemberStanding:
    """Whether a member is on track, behind, stuck, away or not joined yet at `now`, in
    their own calendar: the one definition.

    Away: stopped (`/stop`) or on leave today. Stuck: part way through a module with no
    step forward for `STUCK_AFTER_DAYS` working days. Behind: no module finished for
    `BEHIND_AFTER_DAYS` working days since joining or the last one, or fewer modules
    finished than the council's median once that many working days in. Someone who has
    finished every module is on track."""
    if not member.onboarded:
        return MemberStanding(member, Standing.NOT_JOINED)
    calendar = member.calendar
    today = local_date(calendar, now)
    if member.paused or on_leave(calendar, today):
        return MemberStanding(member, Standing.AWAY)
    if module_count and member.completed >= module_count:
        return MemberStanding(member, Standing.ON_TRACK)

    def since(at: dt.datetime) -> int:
        return working_days_since(local_date(calendar, at), today, calendar)

    if member.module_id is not None:
        still = since(member.last_step_at)
        if still >= STUCK_AFTER_DAYS:
            return MemberStanding(member, Standing.STUCK, still)
    idle = since(member.last_completed_at or member.joined_at)
    joined = since(member.joined_at)
    if idle >= BEHIND_AFTER_DAYS or (joined >= BEHIND_AFTER_DAYS and member.completed < median):
        return MemberStanding(member, Standing.BEHIND, idle)
    return MemberStanding(member, Standing.ON_TRACK)


def standings(facts: TeamFacts, now: dt.datetime, module_count: int) -> tuple[MemberStanding, ...]:
    """Every member's standing at `now`, in the order storage gave them (by team, then
    name)."""
    return tuple(
        standing_of(member, now, facts.council_median, module_count) for member in facts.members
    )


def weakest_topics(
    facts: TeamFacts, curriculum: Curriculum, at: dt.datetime, limit: int = 3
) -> tuple[TopicRecall, ...]:
    """The modules with the lowest mean predicted recall over the team's refresher
    cards at `at` (cards never reviewed are left out: nothing is known of them yet, and so
    are modules the team recalls fully, at 100% when rounded: nothing to work on)."""
    by_module: dict[str, list[float]] = {}
    titles: dict[str, str] = {}
    for card in facts.cards:
        found = curriculum.find_question(card.question_id)
        if found is None or card.memory.last_review is None:
            continue
        module = found[0]
        titles[module.id] = module.title
        by_module.setdefault(module.id, []).append(srs.recall(card.memory, at, facts.recall_scale))
    topics = [
        TopicRecall(module_id, titles[module_id], mean(values), len(values))
        for module_id, values in by_module.items()
        if round(mean(values) * 100) < 100
    ]
    topics.sort(key=lambda topic: (topic.recall, topic.module_id))
    return tuple(topics[:limit])


def median(values: list[int]) -> float:
    """The median of some counts (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
