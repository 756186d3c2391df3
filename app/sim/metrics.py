"""What a simulation run measured: the pacing-rule checks and the learning figures. Pure.

The rule checks use plain calendar arithmetic (not the planner's or `scheduler.pacing`'s
code), so a bug there cannot hide itself: they are the one deliberate second reading of
the pacing rules. The working days a figure counts are `scheduler.pacing`'s. The learning
figures combine what the simulation observed (what each learner was asked, answered, knew
and spent) with the end state of the database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from adapters.recording import Sent
from app.sim.learners import Learner
from scheduler.pacing import (
    DEFAULT_LESSON_CAP,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    is_working_day,
)

# The simulated councils keep the default hours and caps; the checks below test sends
# against them with their own calendar arithmetic.
WORK_START, WORK_END = DEFAULT_WORK_START, DEFAULT_WORK_END
LESSON_CAP, ROUND_CAP = DEFAULT_LESSON_CAP, 1  # proactive lesson nudges and rounds a day
OVERDUE_AFTER = dt.timedelta(days=3)
BINS = 10
_SUBDIV = {"england": "ENG", "scotland": "SCT"}


@dataclass
class Observations:
    """What the simulation saw happen, as it happened."""

    answers: int = 0
    # (user id, question id) -> the last time a message asking it reached the learner
    asked: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    # (FSRS predicted recall just before a refresher answer, whether the learner recalled)
    predictions: list[tuple[float, bool]] = field(default_factory=list)
    seconds: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    # (user id, local day) -> first moment of any activity / of any lesson activity
    first_active: dict[tuple[str, dt.date], dt.datetime] = field(default_factory=dict)
    first_lesson: dict[tuple[str, dt.date], dt.datetime] = field(default_factory=dict)

    def spend(self, user_id: str, day: dt.date, seconds: float) -> None:
        """Note time the learner spent in the chat."""
        self.seconds[(user_id, day)] = self.seconds.get((user_id, day), 0.0) + seconds

    def activity(self, user_id: str, day: dt.date, at: dt.datetime, refresher: bool) -> None:
        """Note something the learner did; `refresher` when it concerned only questions
        of modules taken before (refresher answers, "I guessed", "Later")."""
        self.first_active.setdefault((user_id, day), at)
        if not refresher:
            self.first_lesson.setdefault((user_id, day), at)


@dataclass(frozen=True)
class CardFact:
    """A learner's FSRS card at the end of the run, as stored."""

    user_id: str
    question_id: str
    due: dt.datetime
    held_out: bool = False  # the learning-effect measure's held-out point: never refreshed


def rule_checks(
    sent: Sequence[Sent], learners: dict[str, Learner], zone: ZoneInfo
) -> dict[str, int]:
    """Sends outside working hours or days, on bank holidays, during leave, over the
    daily caps, and duplicates (the same text to the same learner twice in a day)."""
    per_day: Counter[tuple[str, dt.date]] = Counter()
    lessons: Counter[tuple[str, dt.date]] = Counter()
    refreshers: Counter[tuple[str, dt.date]] = Counter()
    seen: Counter[tuple[str, dt.date, str]] = Counter()
    outside = holiday = on_leave = 0
    for send in sent:
        learner = learners[send.ref.user_id]
        profile = learner.profile
        local = send.at.astimezone(zone)
        day = local.date()
        working = day.strftime("%a").lower() in profile.days
        outside += int(not (WORK_START <= local.time() < WORK_END) or not working)
        holiday += int(_bank_holiday(profile.nation, day))
        leave, began = profile.leave, learner.leave_start
        on_leave += int(bool(began and leave and began <= send.at and day <= leave[1]))
        per_day[(profile.user_id, day)] += 1
        text = send.messages[0].text
        kind = refreshers if text.startswith("**Refresher round**") else lessons
        kind[(profile.user_id, day)] += 1
        seen[(profile.user_id, day, text)] += 1
    over_cap = sum(1 for n in lessons.values() if n > LESSON_CAP)
    over_cap += sum(1 for n in refreshers.values() if n > ROUND_CAP)
    return {
        "deliveries_sent": len(sent),
        "sent_outside_working_hours": outside,
        "sent_on_bank_holidays": holiday,
        "sent_during_leave": on_leave,
        "max_proactive_per_learner_day": max(per_day.values(), default=0),
        "learner_days_over_cap": over_cap,
        "duplicate_sends": sum(n - 1 for n in seen.values() if n > 1),
    }


def _bank_holiday(nation: str, day: dt.date) -> bool:
    return day in _bank_holidays(nation, day.year)


@lru_cache(maxsize=16)
def _bank_holidays(nation: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIV[nation], years=year))


def working_days(learner: Learner, first: dt.date, days: int) -> int:
    """The learner's working days in the run, as the service counts them
    (`scheduler.pacing.is_working_day`: their weekdays, less bank holidays and leave)."""
    calendar = learner.profile.calendar
    return sum(
        is_working_day(calendar, first + dt.timedelta(days=offset)) for offset in range(days)
    )


def overdue(
    cards: Iterable[CardFact], asked: dict[tuple[str, str], dt.datetime], end: dt.datetime
) -> tuple[int, int]:
    """(overdue cards, all cards): overdue when due more than three days before the end
    with nothing asking it sent since it fell due. Held-out points are not refresher
    cards (the measure keeps them back on purpose), so they count in neither."""
    late = total = 0
    for card in cards:
        if card.held_out:
            continue
        total += 1
        last = asked.get((card.user_id, card.question_id))
        stale = card.due < end - OVERDUE_AFTER and (last is None or last < card.due)
        late += int(stale)
    return late, total


def calibration(
    points: Sequence[tuple[float, bool]],
) -> tuple[float | None, list[dict[str, float]]]:
    """RMSE between predicted recall and what happened, in ten bins by prediction,
    weighted by the bins' counts; and the bins."""
    counts = [0] * BINS
    predicted = [0.0] * BINS
    observed = [0.0] * BINS
    for prediction, recalled in points:
        index = min(int(prediction * BINS), BINS - 1)
        counts[index] += 1
        predicted[index] += prediction
        observed[index] += float(recalled)
    bins = []
    squares = 0.0
    for index, n in enumerate(counts):
        if n == 0:
            continue
        mean_predicted, mean_observed = predicted[index] / n, observed[index] / n
        squares += n * (mean_predicted - mean_observed) ** 2
        bins.append(
            {
                "from": index / BINS,
                "to": (index + 1) / BINS,
                "n": n,
                "predicted": round(mean_predicted, 3),
                "observed": round(mean_observed, 3),
            }
        )
    total = sum(counts)
    return (round(math.sqrt(squares / total), 4) if total else None), bins


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` from 0 to 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def mean(values: Sequence[float]) -> float | None:
    """The mean; None for no values."""
    return sum(values) / len(values) if values else None
