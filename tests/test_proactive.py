"""Proactive messages end to end on a fake clock: the real bot, planner and dispatcher on
SQLite, with a recording sender. Each pacing rule is shown with exact texts and times."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from app.simulated import advance
from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler import srs
from storage.tables import (
    AnswerRow,
    Council,
    Delivery,
    Learner,
    ModuleProgressRow,
    ReviewLogRow,
    SrsCard,
)
from tests.support.chat import ChatUser, make_services, outbox

NUDGE_1 = (
    "Your daily bite is ready: What contract management is, module 1 of 3, about 5 minutes.\n"
    "[1] Start"
)
NUDGE_2 = (
    "Your daily bite is ready: KPIs and contract performance notices, module 2 of 3, "
    "about 6 minutes.\n[1] Start"
)
ROUND_OF_ONE = (
    "Refresher round: 1 quick question from modules you have done, about 1 min. Answer as "
    "many as you like; Later keeps the rest for your next round."
)
ROUND_OF_THREE = (
    "Refresher round: 3 quick questions from modules you have done, about 2 min. Answer "
    "as many as you like; Later keeps the rest for your next round."
)
REFRESHER_Q2 = (
    "Refresher 1 of 1 from What contract management is\n"
    "The NAO good practice framework has eight areas.\n[1] True\n[2] False\n[3] Later"
)
GENTLE = (
    "It has been a while. Whenever you are ready, your next bite is What contract management "
    "is, about 5 minutes. I won't send more reminders until you are back.\n[1] Continue"
)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


@pytest.fixture
def user(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> ChatUser:
    person = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    person.say("/start")
    person.press("Try the demo council")
    person.press("12:30")
    return person


def wait(user: ChatUser, **delta: float) -> None:
    advance(user.services, user.clock, dt.timedelta(**delta))


def send_times(user: ChatUser) -> list[dt.datetime]:
    return [sent.at for sent in outbox(user.services).sent]


def take_module_one(user: ChatUser) -> None:
    """Cards, then the quiz: right, wrong, right (refresher questions), right."""
    user.say("/next")
    user.press("Continue")
    user.press("Continue")
    user.press("Continue")
    user.press("Running the contract after award")
    user.press("Next question")
    user.press("True")
    user.press("Next question")
    user.press("Delivery")
    user.press("Next question")
    user.press("Paying is one part; performance, change, risk and exit matter too")


def cards(user: ChatUser) -> dict[str, dt.datetime]:
    with Session(user.services.engine) as session:
        return {c.question_id: c.due for c in session.exec(select(SrsCard)).all()}


def test_the_lesson_of_the_day_comes_at_the_usual_time_on_working_days(user: ChatUser) -> None:
    # Onboarded on Monday at 09:00: active today, so no nudge today.
    wait(user, hours=12)
    assert user.arrived() == []
    wait(user, days=1, hours=3)  # Tuesday 12:00 → Wednesday 00:00 (passing 12:30)
    assert user.arrived() == [NUDGE_1]
    wait(user, days=5)  # through Wednesday to Monday 00:00: Wed, Thu, Fri nudges only
    assert send_times(user) == [
        utc(2026, 3, 3, 12, 30),
        utc(2026, 3, 4, 12, 30),
        utc(2026, 3, 5, 12, 30),
    ]


def test_nudges_skip_bank_holidays_of_the_learners_nation(
    sqlite_url: str, demo_curriculum: Curriculum
) -> None:
    clock = ManualClock(utc(2026, 4, 1, 9, 0))  # Wednesday before Easter
    services = make_services(sqlite_url, clock, demo_curriculum)
    english, scottish = ChatUser(services, clock, "eng"), ChatUser(services, clock, "sco")
    services.store.ensure_council("alba", "Alba Council", "ALBA", clock.now())
    with Session(services.engine) as session, session.begin():
        council = session.exec(select(Council).where(Council.code == "alba")).one()
        council.nation = "scotland"
        session.add(council)
    for person, code in ((english, "demo"), (scottish, "ALBA")):
        person.say(f"/start {code}")
        person.press("12:30")
    advance(services, clock, dt.timedelta(days=6))  # to Tuesday 7 April 09:00
    days = {
        sent.ref.user_id: [s.at.date() for s in outbox(services).sent if s.ref == sent.ref]
        for sent in outbox(services).sent
    }
    # BST: 12:30 in London is 11:30 UTC. Good Friday is a holiday in both nations;
    # Easter Monday only in England.
    assert days["eng"] == [dt.date(2026, 4, 2)]
    assert days["sco"] == [dt.date(2026, 4, 2), dt.date(2026, 4, 6)]
    assert {s.at.time() for s in outbox(services).sent} == {dt.time(11, 30)}


def test_quiz_answers_schedule_refreshers_which_come_back_in_a_round(user: ChatUser) -> None:
    take_module_one(user)
    # Right → Good → 2 days; wrong → Again → 1 day. The non-refresher question 4 has no card.
    assert cards(user) == {
        "t1-q1": utc(2026, 3, 4, 9, 0),
        "t1-q2": utc(2026, 3, 3, 9, 0),
        "t1-q3": utc(2026, 3, 4, 9, 0),
    }
    wait(user, days=1, hours=6)  # Tuesday 15:00
    # The lesson nudge at 12:30, then the round an hour later (one message, two parts).
    assert user.arrived() == [NUDGE_2, ROUND_OF_ONE + "\n\n" + REFRESHER_Q2]
    assert send_times(user) == [utc(2026, 3, 3, 12, 30), utc(2026, 3, 3, 13, 30)]
    wait(user, minutes=10)
    second_click = user.payload_of("True")
    assert user.press("False") == [
        "Correct. It has 11 areas in 4 blocks. The 2013 review of major contracts used areas 1 "
        'to 8 as a checklist, which is where "eight areas" comes from.\n[1] I guessed',
        # No way on into a new module: new modules come with the lesson nudge or /next.
        "Round done: 1 of 1 right. The ones you missed come back sooner, the others later.",
    ]
    assert user.press_payload(second_click) == [
        "You have already answered that question; your first answer counts. Send /next to carry on."
    ]
    with Session(user.services.engine) as session:
        log = session.exec(select(ReviewLogRow).where(ReviewLogRow.source == "refresher")).one()
    # Sent at 13:30, answered at 15:10: the time is logged; a right answer is Good.
    assert (log.question_id, log.rating, log.duration_ms) == ("t1-q2", 3, 6_000_000)
    assert (log.round_item, log.guessed) == (0, False)
    # Right after a lapse: it comes back later than the lapse's day (a day on at the
    # default desired retention, 0.92; two at FSRS's own 0.9).
    assert cards(user)["t1-q2"] >= utc(2026, 3, 4, 15, 10)


def test_a_whole_round_with_later_half_way_and_i_guessed(user: ChatUser) -> None:
    take_module_one(user)
    wait(user, days=2, hours=5)  # to Wednesday 14:00: Tuesday's round went unanswered
    arrived = user.arrived()
    assert [text.split("\n")[0] for text in arrived] == [
        NUDGE_2.split("\n")[0],
        ROUND_OF_ONE,
        NUDGE_2.split("\n")[0],
        ROUND_OF_THREE,
    ]
    first = arrived[-1]
    assert "\n\nRefresher 1 of 3 from What contract management is\n" in first
    # Tuesday's round went unanswered: Wednesday's does not open with the same question.
    tuesday = "The NAO good practice framework has eight areas."
    assert tuesday in arrived[1]
    assert first.split("\n")[3] != tuesday
    assert first.endswith("\n[3] Later") or first.endswith("\n[4] Later")
    option = first.split("\n")[4].split("] ", 1)[1]  # whatever option is shown first
    reply = user.press(option)
    assert reply[0].endswith("\n[1] I guessed")
    assert reply[1].startswith("Refresher 2 of 3 from What contract management is")
    guess, later = user.payload_of("I guessed"), user.payload_of("Later")
    assert user.press_payload(guess) in (
        ["Noted as a guess, so this question comes back sooner."],
        ["Noted as a guess, not a misunderstanding."],
    )
    assert user.press_payload(guess) == ["Already noted as a guess."]
    assert user.press_payload(later) == ["Fine: the other 2 questions wait for your next round."]
    with Session(user.services.engine) as session:
        logs = session.exec(select(ReviewLogRow).where(ReviewLogRow.source == "refresher")).all()
        learner = session.exec(select(Learner)).one()
    assert [(log.round_item, log.guessed) for log in logs] == [(0, True)]
    assert logs[0].rating in (1, 2)  # wrong stays Again; right becomes Hard
    # Later is an answer, not ignoring: nothing counts against the learner.
    assert learner.nudges_ignored == 0


def test_a_round_ends_with_a_way_back_into_the_module_in_progress(user: ChatUser) -> None:
    take_module_one(user)
    wait(user, days=1, hours=6)  # Tuesday 15:00: the lesson nudge and the round of t1-q2
    assert user.arrived() == [NUDGE_2, ROUND_OF_ONE + "\n\n" + REFRESHER_Q2]
    false = user.payload_of("False")
    user.press("Start")  # module 2 is now in progress
    assert user.press_payload(false)[-1] == (
        "Round done: 1 of 1 right. The ones you missed come back sooner, the others later."
        "\n[1] Continue"
    )


def test_a_right_answer_marked_as_a_guess_is_rated_hard_from_the_card_before(
    user: ChatUser,
) -> None:
    # At FSRS's own 0.9, Good and Hard after a lapse are whole days apart (at the default
    # 0.92 both round to one day).
    user.services.store.set_council_pacing("demo", desired_retention=srs.FSRS_RETENTION)
    take_module_one(user)
    wait(user, days=1, hours=6)  # Tuesday 15:00: the round of t1-q2
    user.arrived()
    user.press("False")
    good_due = cards(user)["t1-q2"]
    assert user.press("I guessed") == ["Noted as a guess, so this question comes back sooner."]
    with Session(user.services.engine) as session:
        log = session.exec(select(ReviewLogRow).where(ReviewLogRow.source == "refresher")).one()
    assert (log.rating, log.guessed) == (2, True)
    assert cards(user)["t1-q2"] < good_due


def test_refresher_answers_never_withhold_the_lesson(user: ChatUser) -> None:
    take_module_one(user)
    wait(user, days=1, hours=6)  # Tuesday 15:00: the round arrived after the lesson nudge
    user.arrived()
    wait(user, hours=17, minutes=30)  # Wednesday 08:30: answer Tuesday's round
    user.press("False")
    wait(user, hours=5)  # Wednesday 13:30: the lesson nudge still came at 12:30
    assert user.arrived()[0] == NUDGE_2


def test_leave_sends_nothing_and_shifts_due_dates_by_its_length(user: ChatUser) -> None:
    take_module_one(user)
    before = cards(user)
    assert user.say("/pause 13 March") == [
        "Enjoy your leave. I won't send you anything until after 13 March 2026, and your "
        "refreshers will wait. Send /start if you come back early."
    ]
    wait(user, days=13, hours=4)  # to Sunday 15 March 13:00
    assert user.arrived() == []
    wait(user, days=1, hours=1)  # Monday 16 March 14:00
    arrived = user.arrived()
    # The lesson, then the round with the backlog the leave left.
    assert [text.split("\n")[0] for text in arrived] == [NUDGE_2.split("\n")[0], ROUND_OF_THREE]
    # Leave was 2–13 March: 12 days. Due dates moved by exactly that.
    shift = dt.timedelta(days=12)
    assert cards(user) == {question: due + shift for question, due in before.items()}


def test_pause_needs_a_date_from_today_on(user: ChatUser) -> None:
    assert user.say("/pause") == [
        "Going on leave? Tell me the last day you are away, for example /pause 24 Dec or "
        "/pause 2026-12-24. I will send nothing until then, and your refreshers will wait."
    ]
    assert user.say("/pause 2026-02-01") == [
        "I couldn't read 2026-02-01 as a date from today on. Try /pause 24 Dec or "
        "/pause 2026-12-24."
    ]
    assert user.say("/pause 2027-12-01") == ["Leave can be up to a year. For longer, send /stop."]


def test_three_ignored_nudges_then_one_gentle_one_then_silence(user: ChatUser) -> None:
    wait(user, days=3, hours=4)  # Tue, Wed, Thu nudges ignored; Thursday 13:00
    assert user.arrived() == [NUDGE_1, NUDGE_1, NUDGE_1]
    wait(user, days=6, hours=23)  # to next Thursday 12:00: nothing
    assert user.arrived() == []
    wait(user, hours=1)  # a week after the last ignored nudge
    assert user.arrived() == [GENTLE]
    wait(user, days=21)
    assert user.arrived() == []
    user.say("/progress")  # back on Thursday 2 April: the count starts again
    wait(user, days=5)  # Good Friday and Easter Monday are bank holidays
    assert user.arrived() == [NUDGE_1]
    assert send_times(user)[-1] == utc(2026, 4, 7, 11, 30)


def test_stop_means_stop(user: ChatUser) -> None:
    take_module_one(user)
    user.say("/stop")
    wait(user, days=14)
    assert outbox(user.services).sent == []
    with Session(user.services.engine) as session:
        assert session.exec(select(Learner)).one().paused


MODULE_ONE = (
    "Continue",
    "Continue",
    "Continue",
    "Running the contract after award",
    "Next question",
    "True",
    "Next question",
    "Delivery",
    "Next question",
    "Paying is one part; performance, change, risk and exit matter too",
)


@pytest.mark.parametrize(("minutes_a_step", "offered"), [(0, True), (2, False)])
def test_the_next_module_is_offered_at_the_learners_own_pace(
    user: ChatUser, minutes_a_step: int, offered: bool
) -> None:
    """Modules of about 6 minutes: taken at their stated pace, the next is offered with a
    button (6 + 6); a learner who took 20 minutes over module one counts as twice as slow
    (12, at most twice the stated), so the next at their pace (12 + 12) would pass 20
    minutes and waits for tomorrow."""
    user.say("/next")
    for label in MODULE_ONE:
        wait(user, minutes=minutes_a_step)
        replies = user.press(label)
    assert ("[1] Next module" in replies[-1]) is offered
    assert ("comes with tomorrow's bite" in replies[1]) is not offered


def test_a_round_on_a_day_already_full_waits_for_the_next_day(user: ChatUser) -> None:
    take_module_one(user)
    wait(user, days=1, hours=3, minutes=31)  # Tuesday 12:31: the lesson nudge has come
    assert user.arrived() == [NUDGE_2]
    # Two modules taken slowly over lunch: 24 minutes by the day's count (bot.day_budget).
    with Session(user.services.engine) as session:
        learner_id = session.exec(select(Learner.id)).one()
        for module, start in (
            ("t2-kpis-and-performance-notices", 31),
            ("t3-changing-a-contract", 45),
        ):
            session.add(
                ModuleProgressRow(
                    learner_id=learner_id,
                    module_id=module,
                    status="completed",
                    attempt=1,
                    started_at=utc(2026, 3, 3, 12, start),
                    completed_at=utc(2026, 3, 3, 12, start) + dt.timedelta(minutes=13),
                    score=4,
                    total=4,
                )
            )
        session.commit()
    wait(user, hours=2)  # past the round's 13:30
    assert user.arrived() == []
    with Session(user.services.engine) as session:
        tuesday = session.exec(select(Delivery).where(Delivery.kind == "round")).one()
    assert (tuesday.status, tuesday.last_error) == ("skipped", "today's minutes are used")
    wait(user, days=1)  # Wednesday: the questions Tuesday's round held lead the next one
    arrived = user.arrived()
    assert [text.split("\n")[0] for text in arrived] == [ROUND_OF_THREE]
    assert "The NAO good practice framework has eight areas." in arrived[0]


def test_i_guessed_on_a_quiz_answer_re_rates_the_review_kept_with_the_answer(
    user: ChatUser,
) -> None:
    user.services.store.set_council_pacing("demo", desired_retention=srs.FSRS_RETENTION)
    user.say("/next")
    for label in ["Continue"] * 3 + ["Running the contract after award", "Next question"]:
        user.press(label)
    user.press("True")
    user.press("Next question")
    user.press("Delivery")  # right, on a refresher question: its first review, Good
    good_due = cards(user)["t1-q3"]
    assert user.press("I guessed") == ["Noted as a guess, so this question comes back sooner."]
    with Session(user.services.engine) as session:
        answer = session.exec(select(AnswerRow).where(AnswerRow.question_id == "t1-q3")).one()
        logged = session.exec(select(ReviewLogRow)).all()
    assert (answer.correct, answer.rating, answer.guessed) == (True, 2, True)
    assert answer.card_before is not None and logged == []  # the answer is the review
    assert cards(user)["t1-q3"] < good_due
