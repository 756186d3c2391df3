"""A simulation run's summary: the JSON `bites simulate` prints.

Rule checks (all should be zero): `sent_outside_working_hours`, `sent_on_bank_holidays`,
`sent_during_leave`, `learner_days_over_cap`, `duplicate_sends`.

Learning figures, over the learners *taking part* at the end (not gone quiet, not on
leave), whom the engine should be serving:

- `overdue_share`: their refresher cards due more than 3 days before the end with no
  message asking them since they fell due, as a share of all their cards
  (`refreshers_due_not_sent` is the count). The learning-effect measure's held-out points
  are kept back from refreshers on purpose, so they count in neither.
- `true_mean_recall`: the hidden memory at the end, over every question they have met;
  `true_mean_recall_refreshed`: the same without the learning-effect measure's held-out
  points, which are never refreshed by design (one a module); `items_known`: the sum of it
  per learner, mean over learners.
- `predicted_recall_calibration`: RMSE between FSRS's predicted recall (the stored card
  just before each refresher answer) and whether the learner recalled, in 10 bins by
  prediction, weighted by count; the bins are in `predicted_recall_bins`.
- `lesson_nudges_withheld_by_refreshers`: lesson nudges withheld as "already active
  today" when all the learner had done that day was answer refreshers.
- `messages_per_working_day`: proactive sends per working day (their weekdays, less bank
  holidays and leave), mean over learners.
- `max_minutes_per_day`, `minutes_per_day_p95`: minutes spent in the chat, over every
  learner-day with any.
- `modules_done_mean`, `modules_done_p10`: modules completed by the end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from adapters.recording import Sent
from app.sim.facts import EndState
from app.sim.learners import Learner, is_quiet
from app.sim.memory import retrievability
from app.sim.metrics import (
    Observations,
    calibration,
    mean,
    overdue,
    percentile,
    rule_checks,
    working_days,
)
from scheduler import srs
from scheduler.pacing import DEFAULT_TIMEZONE, on_leave, zone

ZONE = zone(DEFAULT_TIMEZONE)


def summarise(
    learners: dict[str, Learner],
    sent: Sequence[Sent],
    seen: Observations,
    state: EndState,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, object]:
    """Everything a run reports (see the module docstring)."""
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(ZONE).date()
    taking_part = {u for u, learner in learners.items() if _taking_part(learner, last_day)}
    recalls = [srs.recall(memory, end) for memory in state.memories]
    late, total = overdue((c for c in state.cards if c.user_id in taking_part), seen.asked, end)
    rmse, bins = calibration(seen.predictions)
    return {
        "learners": len(learners),
        "days": (end - start).days,
        **rule_checks(sent, learners, ZONE),
        "answers_given": seen.answers,
        "srs_cards": len(state.cards),
        "refreshers_due_not_sent": late,
        "mean_predicted_recall": _round(mean(recalls)),
        "learners_taking_part": len(taking_part),
        "overdue_share": _round(late / total if total else None),
        **_knowledge(learners, taking_part, end, _held_out(state)),
        "predicted_recall_calibration": rmse,
        "predicted_recall_bins": bins,
        "lesson_nudges_withheld_by_refreshers": _withheld(state, seen),
        **_burden(learners, taking_part, sent, seen, start, end),
        **_progress(state, taking_part),
    }


def _taking_part(learner: Learner, last_day: dt.date) -> bool:
    away = on_leave(learner.profile.calendar, last_day)
    return not is_quiet(learner.profile, last_day) and not away


def _knowledge(
    learners: dict[str, Learner],
    taking_part: set[str],
    end: dt.datetime,
    held_out: set[tuple[str, str]],
) -> dict[str, float | None]:
    per_learner = [
        [
            (question, retrievability(trace, end))
            for question, trace in learners[user].memory.items()
        ]
        for user in sorted(taking_part)
    ]
    every = [r for recalls in per_learner for _q, r in recalls]
    refreshed = [
        r
        for user, recalls in zip(sorted(taking_part), per_learner, strict=True)
        for question, r in recalls
        if (user, question) not in held_out
    ]
    return {
        "true_mean_recall": _round(mean(every)),
        "true_mean_recall_refreshed": _round(mean(refreshed)),
        "items_known": _round(mean([sum(r for _q, r in recalls) for recalls in per_learner]), 1),
    }


def _held_out(state: EndState) -> set[tuple[str, str]]:
    """The learning-effect measure's held-out points: (user id, question id)."""
    return {(card.user_id, card.question_id) for card in state.cards if card.held_out}


def _withheld(state: EndState, seen: Observations) -> int:
    count = 0
    for user_id, at in state.withheld_lessons:
        day = at.astimezone(ZONE).date()
        first = seen.first_active.get((user_id, day))
        lesson = seen.first_lesson.get((user_id, day))
        count += int(first is not None and first <= at and (lesson is None or lesson > at))
    return count


def _burden(
    learners: dict[str, Learner],
    taking_part: set[str],
    sent: Sequence[Sent],
    seen: Observations,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, float | None]:
    sends = Counter(s.ref.user_id for s in sent)
    first, days = start.astimezone(ZONE).date(), (end - start).days
    rates = []
    for user in sorted(taking_part):
        working = working_days(learners[user], first, days)
        if working:
            rates.append(sends[user] / working)
    minutes = [seconds / 60 for seconds in seen.seconds.values()]
    return {
        "messages_per_working_day": _round(mean(rates), 2),
        "max_minutes_per_day": _round(max(minutes, default=None), 1),
        "minutes_per_day_p95": _round(percentile(minutes, 0.95), 1),
    }


def _progress(state: EndState, taking_part: set[str]) -> dict[str, float | None]:
    done = [float(state.modules_done[user]) for user in sorted(taking_part)]
    return {
        "modules_done_mean": _round(mean(done), 1),
        "modules_done_p10": percentile(done, 0.10),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
