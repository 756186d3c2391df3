"""One definition of each concept, pure (no database): a learner's pacing and its
defaults (`scheduler.pacing.learner_pacing`), leave (`on_leave`, `leave_end`), and a team
member's standing (`bot.people.standing_of`: on track, behind, stuck, away, not joined),
counted in working days of the member's own calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.flows.proactive import pacing_of as state_pacing
from bot.people import (
    CardFacts,
    MemberFacts,
    Standing,
    TeamFacts,
    standing_of,
    standings,
    weakest_topics,
)
from bot.state import Awaiting, CouncilInfo, LearnerState, Stage
from lessons.model import Curriculum
from scheduler import srs
from scheduler.pacing import (
    DEFAULT_WORKING_DAYS,
    Pacing,
    is_working_day,
    learner_pacing,
    leave_end,
    on_leave,
)
from storage.pacing_rows import pacing_of as row_pacing
from storage.tables import Council, Learner

LONDON = learner_pacing()
EASTER = (dt.date(2026, 4, 3), dt.date(2026, 4, 6))  # Good Friday, Easter Monday


def london(*parts: int) -> dt.datetime:
    """A London wall-clock time as a UTC instant."""
    local = dt.datetime(*parts, tzinfo=LONDON.zone)  # type: ignore[misc]
    return local.astimezone(dt.UTC)


def member(joined: dt.datetime, calendar: Pacing = LONDON, **changes: object) -> MemberFacts:
    """An onboarded member who has finished nothing since `joined` and is in no module."""
    facts = MemberFacts(
        learner_id=1,
        name="Ann Able",
        team_id=1,
        team_name="Highways",
        joined_at=joined,
        onboarded=True,
        paused=False,
        calendar=calendar,
        completed=0,
        last_completed_at=None,
        module_id=None,
        last_step_at=joined,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def standing(facts: MemberFacts, now: dt.datetime, median: float = 0.0) -> tuple[Standing, int]:
    found = standing_of(facts, now, median, module_count=34)
    return found.standing, found.days


# --- the pacing defaults and the one constructor -------------------------------------


def test_a_pacing_left_empty_takes_the_defaults() -> None:
    assert learner_pacing() == Pacing(
        "Europe/London",
        "england",
        ("mon", "tue", "wed", "thu", "fri"),
        dt.time(9, 0),
        dt.time(8, 0),
        dt.time(18, 0),
    )
    assert learner_pacing(working_days="tue thu", work_start="7:30", work_end="25:99") == replace(
        LONDON, working_days=("tue", "thu"), work_start=dt.time(7, 30)
    )
    assert learner_pacing(working_days="").working_days == ()  # no working day, not the default


def test_chat_storage_and_a_new_council_build_the_same_pacing() -> None:
    """The bot's state, a stored row and a council created with the table's defaults all
    come out as the defaults of scheduler.pacing (so they cannot drift apart)."""
    state = LearnerState(
        1,
        1,
        Stage.ACTIVE,
        Awaiting.NOTHING,
        False,
        None,
        DEFAULT_WORKING_DAYS,
        None,
        0,
        0,
        None,
        None,
    )
    row = Learner(stage="active", awaiting="nothing", working_days="mon tue wed thu fri")
    council = Council(code="c", name="C", join_code="J")
    assert state_pacing(state, None) == LONDON
    assert state_pacing(state, CouncilInfo(1, "c", "C")) == LONDON
    assert row_pacing(row, None) == LONDON
    assert row_pacing(row, council) == LONDON
    own = replace(state, timezone="Europe/Paris", nation="scotland", learning_time="12:30")
    assert state_pacing(own, CouncilInfo(1, "c", "C", work_start="07:00")) == replace(
        LONDON,
        timezone="Europe/Paris",
        nation="scotland",
        learning_time=dt.time(12, 30),
        work_start=dt.time(7, 0),
    )


# --- working days and leave ---------------------------------------------------------


def test_a_bank_holiday_is_no_working_day() -> None:
    assert [is_working_day(LONDON, day) for day in EASTER] == [False, False]
    assert is_working_day(LONDON, dt.date(2026, 4, 7))
    scot = learner_pacing(nation="scotland")
    assert is_working_day(scot, dt.date(2026, 4, 6))  # Easter Monday is no holiday there


def test_leave_that_starts_later_is_not_leave_yet() -> None:
    later = learner_pacing(away_from=dt.date(2026, 4, 23), away_until=dt.date(2026, 4, 30))
    assert not on_leave(later, dt.date(2026, 4, 20))
    assert is_working_day(later, dt.date(2026, 4, 20))
    assert on_leave(later, dt.date(2026, 4, 23)) and on_leave(later, dt.date(2026, 4, 30))
    assert not on_leave(later, dt.date(2026, 5, 1))
    assert leave_end(later, dt.date(2026, 4, 20)) == dt.date(2026, 4, 30)  # leave ahead
    assert leave_end(later, dt.date(2026, 5, 1)) is None  # over
    until = learner_pacing(away_until=dt.date(2026, 4, 30))  # no first day: leave until then
    assert on_leave(until, dt.date(2026, 4, 20))


# --- standing: behind, stuck, away ----------------------------------------------------


def test_bank_holidays_do_not_count_towards_behind() -> None:
    """Joined on the Thursday before Easter: counting weekdays would make Ann behind on
    Thursday 16 April (10 weekdays); without Good Friday and Easter Monday she has 8
    working days then, and is behind on Monday 20 April."""
    ann = member(london(2026, 4, 2, 10, 0))
    assert standing(ann, london(2026, 4, 16, 12, 0)) == (Standing.ON_TRACK, 0)
    assert standing(ann, london(2026, 4, 17, 12, 0)) == (Standing.ON_TRACK, 0)
    assert standing(ann, london(2026, 4, 20, 12, 0)) == (Standing.BEHIND, 10)


def test_days_on_leave_do_not_count_towards_behind() -> None:
    joined = london(2026, 3, 2, 10, 0)
    away = learner_pacing(away_from=dt.date(2026, 3, 9), away_until=dt.date(2026, 3, 13))
    assert standing(member(joined), london(2026, 3, 16, 12, 0)) == (Standing.BEHIND, 10)
    assert standing(member(joined, away), london(2026, 3, 16, 12, 0)) == (Standing.ON_TRACK, 0)


def test_someone_on_leave_or_stopped_is_away_but_not_before_their_leave() -> None:
    joined, now = london(2026, 4, 2, 10, 0), london(2026, 4, 20, 12, 0)
    on_leave_now = learner_pacing(away_from=dt.date(2026, 4, 14), away_until=dt.date(2026, 4, 24))
    later = learner_pacing(away_from=dt.date(2026, 4, 23), away_until=dt.date(2026, 4, 30))
    assert standing(member(joined, on_leave_now), now) == (Standing.AWAY, 0)
    assert standing(member(joined, later), now) == (Standing.BEHIND, 10)
    assert standing(member(joined, paused=True), now) == (Standing.AWAY, 0)
    assert standing(member(joined, onboarded=False), now) == (Standing.NOT_JOINED, 0)


def test_stuck_after_three_working_days_without_a_step() -> None:
    """Last step on Thursday 2 April: by Wednesday 8 April two working days have passed
    (Good Friday and Easter Monday skipped), by Thursday 9 April three."""
    ann = member(
        london(2026, 3, 30, 9, 0),
        module_id="m1",
        last_step_at=london(2026, 4, 2, 10, 0),
    )
    assert standing(ann, london(2026, 4, 8, 12, 0)) == (Standing.ON_TRACK, 0)
    assert standing(ann, london(2026, 4, 9, 12, 0)) == (Standing.STUCK, 3)


def test_behind_the_councils_median_once_ten_working_days_in() -> None:
    ann = member(
        london(2026, 3, 2, 10, 0), completed=1, last_completed_at=london(2026, 3, 12, 10, 0)
    )
    now = london(2026, 3, 20, 12, 0)  # 14 working days in, 6 since her last module
    assert standing(ann, now, median=1.0) == (Standing.ON_TRACK, 0)
    assert standing(ann, now, median=2.0) == (Standing.BEHIND, 6)
    assert standing_of(replace(ann, completed=34), now, 40.0, 34).standing is Standing.ON_TRACK


def test_working_days_are_counted_in_the_members_own_time_zone() -> None:
    """Sunday 15 March 2026 20:00 UTC is still Sunday in London (9 working days since
    Monday 2 March) but Monday morning in Auckland (10)."""
    joined = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    now = dt.datetime(2026, 3, 15, 20, 0, tzinfo=dt.UTC)
    auckland = learner_pacing(timezone="Pacific/Auckland")
    assert standing(member(joined), now) == (Standing.ON_TRACK, 0)
    assert standing(member(joined, auckland), now) == (Standing.BEHIND, 10)


def test_every_surface_reads_the_same_standings_from_the_same_facts() -> None:
    """Chat (/team), the dashboard's Learners behind and the standing export all call
    `standings(facts, now, …)`: one answer per member for one instant."""
    now = london(2026, 4, 20, 12, 0)
    members = (
        member(london(2026, 4, 2, 10, 0)),
        member(london(2026, 4, 2, 10, 0), learner_id=2, name="Bob Brown", paused=True),
        member(london(2026, 4, 15, 10, 0), learner_id=3, name="Cat Clay"),
    )
    facts = TeamFacts(members, (), council_median=0.0, recall_scale=1.0)
    assert [(s.member.name, s.standing, s.days) for s in standings(facts, now, 34)] == [
        ("Ann Able", Standing.BEHIND, 10),
        ("Bob Brown", Standing.AWAY, 0),
        ("Cat Clay", Standing.ON_TRACK, 0),
    ]


def test_weakest_topics_predict_recall_with_the_councils_fitted_scale(
    demo_curriculum: Curriculum,
) -> None:
    """A council whose officers were fitted to remember twice as long as FSRS predicts
    sees that in the team report's predicted recall, as the planner schedules for it."""
    reviewed = london(2026, 4, 1, 10, 0)
    memory = srs.Memory(1, 2, None, 3.0, 5.0, reviewed, reviewed)
    cards = (CardFacts(1, "t1-q2", memory),)
    at = london(2026, 4, 20, 10, 0)

    def recall(scale: float) -> float:
        facts = TeamFacts((), cards, council_median=0.0, recall_scale=scale)
        (topic,) = weakest_topics(facts, demo_curriculum, at)
        return topic.recall

    assert recall(1.0) == srs.recall(memory, at)
    assert recall(2.0) == srs.recall(memory, at, 2.0) > recall(1.0) + 0.05
