"""The one planner, pure: values in, planned deliveries out, no database (issue 12)."""

from __future__ import annotations

import datetime as dt
import json

from scheduler import srs
from scheduler.pacing import Pacing
from scheduler.planner import (
    CampaignItem,
    DueCard,
    LearnerPlan,
    RoundPlan,
    RoundRules,
    leave_shift,
    manager_nudge,
    plan_day,
)
from scheduler.plans import DeliveryKind, PlannedDelivery

MONDAY = dt.date(2026, 3, 2)  # GMT: local time is UTC


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


def learner(time: dt.time = dt.time(9, 0), **changes: object) -> LearnerPlan:
    pacing = Pacing(
        "Europe/London",
        "england",
        ("mon", "tue", "wed", "thu", "fri"),
        time,
        dt.time(8, 0),
        dt.time(18, 0),
    )
    values: dict[str, object] = {
        "learner_id": 7,
        "pacing": pacing,
        "nudges_ignored": 0,
        "last_nudge_at": None,
    }
    values.update(changes)
    return LearnerPlan(**values)  # type: ignore[arg-type]


def card(question: str, stability: float, reviewed_days_ago: int, due_days_ago: int = 0) -> DueCard:
    last = utc(MONDAY, 9) - dt.timedelta(days=reviewed_days_ago)
    due = utc(MONDAY, 0) - dt.timedelta(days=due_days_ago)
    memory = srs.Memory(1, 2, None, stability, 5.0, due, last)
    return DueCard(question, memory)


def cards(count: int) -> list[DueCard]:
    return [card(f"q{n:02d}", 1.0 + n, 10) for n in range(count)]


def round_of(planned: list[PlannedDelivery]) -> RoundPlan:
    (found,) = [p for p in planned if p.kind is DeliveryKind.ROUND]
    return RoundPlan.from_json(found.payload)


def test_a_1600_learner_gets_the_lesson_then_the_round_and_the_lesson_is_never_withheld() -> None:
    planned = plan_day(learner(dt.time(16, 0)), MONDAY, cards(5))
    assert [(p.kind, p.due_at) for p in planned] == [
        (DeliveryKind.LESSON, utc(MONDAY, 16)),
        (DeliveryKind.ROUND, utc(MONDAY, 17)),
    ]
    assert [p.key for p in planned] == ["lesson:7:2026-03-02", "round:7:2026-03-02"]


def test_a_learner_near_the_end_of_the_day_gets_the_round_just_after_the_lesson() -> None:
    planned = plan_day(learner(dt.time(17, 40)), MONDAY, cards(2))
    assert [p.due_at for p in planned] == [utc(MONDAY, 17, 40), utc(MONDAY, 17, 45)]


def test_the_round_asks_the_lowest_predicted_recall_first_up_to_its_size() -> None:
    due = [card("strong", 50.0, 5), card("weak", 1.0, 5), card("middling", 8.0, 5)]
    plan = round_of(plan_day(learner(), MONDAY, due))
    assert plan.questions == ("weak", "middling", "strong")
    plan = round_of(plan_day(learner(rounds=RoundRules(2, 2, 40)), MONDAY, due))
    assert plan.questions == ("weak", "middling")


def test_a_round_is_smaller_on_a_lesson_day() -> None:
    assert len(round_of(plan_day(learner(), MONDAY, cards(20))).questions) == 8
    quiet = learner(nudges_ignored=3, last_nudge_at=utc(MONDAY, 9) - dt.timedelta(days=1))
    planned = plan_day(quiet, MONDAY, cards(20))
    assert [p.kind for p in planned] == [DeliveryKind.ROUND]
    assert planned[0].due_at == utc(MONDAY, 9)  # no lesson: the round at the learning time
    assert len(round_of(planned).questions) == 12


def test_ignored_lesson_nudges_never_stop_the_round() -> None:
    quiet = learner(nudges_ignored=5, last_nudge_at=utc(MONDAY, 9) - dt.timedelta(days=30))
    assert [p.kind for p in plan_day(quiet, MONDAY, cards(3))] == [DeliveryKind.ROUND]


def test_unanswered_rounds_go_weekly_and_come_back_in_another_order() -> None:
    last = utc(MONDAY, 9) - dt.timedelta(days=2)
    ignoring = learner(rounds_unanswered=5, last_round_at=last)
    assert [p.kind for p in plan_day(ignoring, MONDAY, cards(3))] == [DeliveryKind.LESSON]
    week_on = learner(rounds_unanswered=6, last_round_at=last - dt.timedelta(days=6))
    assert round_of(plan_day(week_on, MONDAY, cards(3))).questions == ("q00", "q01", "q02")
    once = learner(rounds_unanswered=1, last_round_at=last)
    assert round_of(plan_day(once, MONDAY, cards(3))).questions == ("q01", "q02", "q00")


def test_rounds_go_weekly_only_after_a_working_week_of_them_unanswered() -> None:
    # Three or four unanswered in a row is a busy week for someone who answers most
    # rounds, not a wish to be left alone: the rounds keep coming every working day.
    yesterday = utc(MONDAY, 9) - dt.timedelta(days=1)
    for unanswered in (3, 4):
        busy = learner(rounds_unanswered=unanswered, last_round_at=yesterday)
        assert [p.kind for p in plan_day(busy, MONDAY, cards(3))] == [
            DeliveryKind.LESSON,
            DeliveryKind.ROUND,
        ]
    quiet = learner(rounds_unanswered=5, last_round_at=yesterday)
    assert [p.kind for p in plan_day(quiet, MONDAY, cards(3))] == [DeliveryKind.LESSON]


def test_a_new_module_waits_while_the_backlog_is_over_the_limit() -> None:
    planned = plan_day(learner(), MONDAY, cards(41))
    assert [p.kind for p in planned] == [DeliveryKind.ROUND]
    plan = round_of(planned)
    assert (plan.lesson_held, plan.backlog, plan.backlog_limit) == (True, 41, 40)
    assert len(plan.questions) == 12  # a refresher day: the full round
    at_limit = plan_day(learner(), MONDAY, cards(40))
    assert [p.kind for p in at_limit] == [DeliveryKind.LESSON, DeliveryKind.ROUND]
    # A module in progress is not a new module: it is always offered.
    in_module = plan_day(learner(in_module=True), MONDAY, cards(41))
    assert [p.kind for p in in_module] == [DeliveryKind.LESSON, DeliveryKind.ROUND]


def test_a_new_module_waits_while_a_refresher_has_waited_more_than_two_days() -> None:
    # Three days past due (a learner who has not answered their rounds): refreshers first.
    waiting = [*cards(3), card("late", 5.0, 10, due_days_ago=3)]
    planned = plan_day(learner(), MONDAY, waiting)
    assert [p.kind for p in planned] == [DeliveryKind.ROUND]
    assert round_of(planned).lesson_held is True
    # Two days past due is still keeping up; a module in progress is always offered.
    keeping_up = [*cards(3), card("late", 5.0, 10, due_days_ago=2)]
    assert [p.kind for p in plan_day(learner(), MONDAY, keeping_up)] == [
        DeliveryKind.LESSON,
        DeliveryKind.ROUND,
    ]
    in_module = plan_day(learner(in_module=True), MONDAY, waiting)
    assert [p.kind for p in in_module] == [DeliveryKind.LESSON, DeliveryKind.ROUND]


def test_a_campaign_joins_the_round_first_and_within_its_size() -> None:
    items = [CampaignItem(3, MONDAY, "c1"), CampaignItem(3, MONDAY, "q01")]
    plan = round_of(plan_day(learner(rounds=RoundRules(3, 3, 40)), MONDAY, cards(4), items))
    assert plan.questions == ("c1", "q01", "q00")
    assert plan.campaign == ((3, "c1"), (3, "q01"))
    # With nothing due, a campaign still makes a round.
    alone = round_of(plan_day(learner(), MONDAY, [], items[:1]))
    assert alone.questions == ("c1",)


def test_nothing_on_days_off_and_no_round_without_questions() -> None:
    saturday = MONDAY + dt.timedelta(days=5)
    assert plan_day(learner(), saturday, cards(3)) == []
    assert [p.kind for p in plan_day(learner(), MONDAY, [])] == [DeliveryKind.LESSON]


def test_a_returning_learner_after_leave_gets_the_backlog_a_round_at_a_time() -> None:
    away = learner()
    pacing = away.pacing
    back = Pacing(
        pacing.timezone,
        pacing.nation,
        pacing.working_days,
        pacing.learning_time,
        pacing.work_start,
        pacing.work_end,
        MONDAY - dt.timedelta(days=14),
        MONDAY - dt.timedelta(days=3),
    )
    assert leave_shift(back, MONDAY) == dt.timedelta(days=12)
    assert leave_shift(back, MONDAY - dt.timedelta(days=3)) is None  # still away
    # The backlog after leave (30 due) is over no limit, so the lesson comes and the round
    # takes the eight weakest; the rest wait for the following days' rounds.
    planned = plan_day(away, MONDAY, cards(30))
    assert [p.kind for p in planned] == [DeliveryKind.LESSON, DeliveryKind.ROUND]
    assert round_of(planned).questions == tuple(f"q{n:02d}" for n in range(8))


def test_a_managers_nudge_is_now_in_hours_else_at_the_next_working_start() -> None:
    pacing = learner().pacing
    now = utc(MONDAY, 11)
    assert manager_nudge(7, pacing, now, "k") == PlannedDelivery("k", 7, DeliveryKind.NUDGE, now)
    friday_evening = utc(MONDAY + dt.timedelta(days=4), 19)
    nudge = manager_nudge(7, pacing, friday_evening, "k")
    assert nudge is not None and nudge.due_at == utc(MONDAY + dt.timedelta(days=7), 8)


def test_a_rounds_payload_is_its_compact_json() -> None:
    plans = [
        RoundPlan(()),
        RoundPlan(("q01", "q02"), backlog=41, lesson_held=True, backlog_limit=40),
        RoundPlan(
            ('say "no"', "café\\n", "q\u2019s"),
            ((3, 'say "no"'), (12, "café\\n")),
            2,
            False,
            5,
            ((7, "v1"), (8, "v\u00e9")),
        ),
    ]
    for plan in plans:
        expected = {
            "q": list(plan.questions),
            "c": [list(pair) for pair in plan.campaign],
            "backlog": plan.backlog,
            "held": plan.lesson_held,
            "limit": plan.backlog_limit,
            "p": [list(pair) for pair in plan.probes],
        }
        assert plan.to_json() == json.dumps(expected, separators=(",", ":"))
        assert RoundPlan.from_json(plan.to_json()) == plan
