"""`bites simulate`: the real planner, dispatcher and bot on a fresh database, driven by
a simulated clock and simulated learners, checked against the pacing rules.

Learners answer right or wrong at random, some take leave (/pause), some go quiet, and
the platform sometimes answers 429. Every send is recorded and then checked with plain
calendar arithmetic (not the planner's own code): working hours and days, bank holidays,
leave, caps and duplicates.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, select

from adapters.recording import RecordingSender, Sent
from app.settings import Settings
from app.simulated import tick
from app.wiring import Services, build_services
from bot.messages import Choice, ConversationRef, Inbound, Outbound, SendResult, SendStatus
from scheduler import srs
from scheduler.clock import ManualClock
from storage.tables import Delivery, Learner, Organisation, SrsCard

PLATFORM = "sim"
STEP = dt.timedelta(minutes=15)
TIMES = ("08:30", "12:30", "16:00")
DAY_SETS = ("mon tue wed thu fri", "mon tue wed thu", "tue wed thu fri")
WORK_START, WORK_END = dt.time(8, 0), dt.time(18, 0)
LESSON_CAP, REFRESHER_CAP = 1, 3
SESSION_STEPS = 12  # buttons a responsive learner presses after a message, at most


@dataclass
class SimLearner:
    """One simulated officer and what the simulation knows about them."""

    user_id: str
    nation: str
    days: tuple[str, ...]
    respond: float  # chance of answering a message at all
    accuracy: float  # chance of picking the right answer
    quiet_from: dt.date | None  # stops answering from this day
    leave: tuple[dt.date, dt.date] | None  # (announced on, last day away)
    leave_start: dt.datetime | None = None  # when they sent /pause


@dataclass
class Simulation:
    """State of one run."""

    services: Services
    clock: ManualClock
    sender: RecordingSender
    learners: dict[str, SimLearner]
    rng: random.Random
    inbox: list[Sent] = field(default_factory=list)
    answers: int = 0
    last: dict[str, list[Outbound]] = field(default_factory=dict)


def run_simulation(
    learners: int, days: int, seed: int, start: dt.datetime, db_path: Path | None = None
) -> dict[str, object]:
    """Run the simulation and return its summary (see the module docstring)."""
    began = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
    with tempfile.TemporaryDirectory() as folder:
        path = db_path or Path(folder) / "simulate.db"
        clock = ManualClock(start)
        settings = Settings(database_url=f"sqlite:///{path}", scheduler=False, webchat=False)
        services = build_services(settings, clock=clock)
        _scottish_council(services, clock.now())
        sender = RecordingSender(PLATFORM, clock.now, refuse=lambda _ref: _throttle(rng))
        services.senders[PLATFORM] = sender
        sim = Simulation(services, clock, sender, {}, rng)
        sender.listeners.append(sim.inbox.append)
        for index in range(learners):
            _enrol(sim, index, start.date(), days)
        end = start + dt.timedelta(days=days)
        while clock.now() < end:
            clock.advance(STEP)
            _take_leave(sim)
            tick(services)
            _react(sim)
        summary = _summarise(sim, start, end)
        services.engine.dispose()
    summary["seconds"] = round(time.perf_counter() - began, 1)
    return summary


def _throttle(rng: random.Random) -> SendResult | None:
    if rng.random() < 0.02:  # the platform is busy now and then
        return SendResult(SendStatus.RETRY, retry_after=60, detail="429")
    return None


def _scottish_council(services: Services, at: dt.datetime) -> None:
    services.store.ensure_org("sim-scot", "Simulated Scottish Council", "SIMSCOT", at)
    with Session(services.engine) as session, session.begin():
        org = session.exec(select(Organisation).where(Organisation.code == "sim-scot")).one()
        org.nation = "scotland"
        session.add(org)


def _say(sim: Simulation, learner: SimLearner, text: str = "", choice: str | None = None) -> None:
    ref = ConversationRef(PLATFORM, learner.user_id, learner.user_id)
    replies = sim.services.bot.handle(Inbound(ref, sim.clock.now(), text, choice))
    sim.last[learner.user_id] = replies


def _enrol(sim: Simulation, index: int, first_day: dt.date, days: int) -> None:
    rng = sim.rng
    scottish = rng.random() < 0.2
    leave = None
    if rng.random() < 0.15:
        announced = first_day + dt.timedelta(days=rng.randrange(1, max(days - 5, 2)))
        leave = (announced, announced + dt.timedelta(days=rng.randrange(3, 12)))
    quiet = first_day + dt.timedelta(days=rng.randrange(days)) if rng.random() < 0.1 else None
    learner = SimLearner(
        user_id=f"sim-{index}",
        nation="scotland" if scottish else "england",
        days=tuple(rng.choice(DAY_SETS).split()),
        respond=rng.uniform(0.3, 0.95),
        accuracy=rng.uniform(0.5, 0.95),
        quiet_from=quiet,
        leave=leave,
    )
    sim.learners[learner.user_id] = learner
    _say(sim, learner, "/start", None)
    _say(sim, learner, "/start SIMSCOT" if scottish else "/start demo")
    _say(sim, learner, rng.choice(TIMES))
    days_text = " ".join(learner.days)
    if days_text != "mon tue wed thu fri":
        _say(sim, learner, "/settings")
        _say(sim, learner, "", "settings:days")
        _say(sim, learner, days_text)


def _take_leave(sim: Simulation) -> None:
    now = sim.clock.now()
    local = now.astimezone(ZoneInfo("Europe/London"))
    if local.time() != dt.time(10, 0):
        return
    for learner in sim.learners.values():
        if learner.leave and learner.leave[0] == local.date() and learner.leave_start is None:
            learner.leave_start = now
            _say(sim, learner, f"/pause {learner.leave[1].isoformat()}")


def _react(sim: Simulation) -> None:
    arrived = list(sim.inbox)
    sim.inbox.clear()  # the sender's listener keeps appending to this same list
    today = sim.clock.now().astimezone(ZoneInfo("Europe/London")).date()
    for sent in arrived:
        learner = sim.learners[sent.ref.user_id]
        if learner.quiet_from and today >= learner.quiet_from:
            continue
        if sim.rng.random() > learner.respond:
            continue
        sim.last[learner.user_id] = list(sent.messages)
        for _ in range(SESSION_STEPS):
            if not _press_something(sim, learner):
                break


def _press_something(sim: Simulation, learner: SimLearner) -> bool:
    """Press a button on the last message: an answer (right with the learner's accuracy)
    or the way on. False when there is nothing left to press."""
    messages = sim.last.get(learner.user_id, [])
    choices = [c for m in messages for c in m.choices]
    if not choices:
        return False
    answers = [c for c in choices if c.id.startswith(("ans:", "rf:"))]
    if answers:
        choice = _pick_answer(sim, learner, answers)
        sim.answers += 1
    else:
        choice = choices[0]
    _say(sim, learner, "", choice.id)
    return True


def _pick_answer(sim: Simulation, learner: SimLearner, answers: list[Choice]) -> Choice:
    right = [c for c in answers if _is_right(sim, c.id)]
    wrong = [c for c in answers if c not in right]
    if right and (not wrong or sim.rng.random() < learner.accuracy):
        return right[0]
    return sim.rng.choice(wrong or answers)


def _is_right(sim: Simulation, payload: str) -> bool:
    """Is this answer button the right one? (`ans:Q:O` names the question; `rf:D:O` the
    refresher delivery, whose row names it.)"""
    kind, key, option_id = payload.split(":")
    question_id: str | None = key
    if kind == "rf":
        with Session(sim.services.engine) as session:
            row = session.get(Delivery, int(key))
            question_id = row.ref if row else None
    found = sim.services.curriculum.find_question(question_id or "")
    option = found[1].option(option_id) if found else None
    return option is not None and option.correct


def _summarise(sim: Simulation, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    london = ZoneInfo("Europe/London")
    per_day: Counter[tuple[str, dt.date]] = Counter()
    lessons: Counter[tuple[str, dt.date]] = Counter()
    refreshers: Counter[tuple[str, dt.date]] = Counter()
    seen: Counter[tuple[str, dt.date, str]] = Counter()
    outside = holiday = on_leave = 0
    for sent in sim.sender.sent:
        learner = sim.learners[sent.ref.user_id]
        local = sent.at.astimezone(london)
        day = local.date()
        if (
            not (WORK_START <= local.time() < WORK_END)
            or day.strftime("%a").lower() not in learner.days
        ):
            outside += 1
        if day in holidays.country_holidays("GB", subdiv=_SUBDIV[learner.nation], years=day.year):
            holiday += 1
        leave = learner.leave
        if learner.leave_start and leave and learner.leave_start <= sent.at and day <= leave[1]:
            on_leave += 1
        per_day[(learner.user_id, day)] += 1
        text = sent.messages[0].text
        kind = "refresher" if text.startswith("**Refresher**") else "lesson"
        (refreshers if kind == "refresher" else lessons)[(learner.user_id, day)] += 1
        seen[(learner.user_id, day, text)] += 1
    over_cap = sum(1 for n in lessons.values() if n > LESSON_CAP) + sum(
        1 for n in refreshers.values() if n > REFRESHER_CAP
    )
    cards, overdue = _cards(sim, end)
    recalls = [srs.recall(card, end) for card in cards]
    return {
        "learners": len(sim.learners),
        "days": (end - start).days,
        "deliveries_sent": len(sim.sender.sent),
        "sent_outside_working_hours": outside,
        "sent_on_bank_holidays": holiday,
        "sent_during_leave": on_leave,
        "max_proactive_per_learner_day": max(per_day.values(), default=0),
        "learner_days_over_cap": over_cap,
        "duplicate_sends": sum(n - 1 for n in seen.values() if n > 1),
        "answers_given": sim.answers,
        "srs_cards": len(cards),
        "refreshers_due_not_sent": overdue,
        "mean_predicted_recall": round(sum(recalls) / len(recalls), 3) if recalls else None,
    }


_SUBDIV = {"england": "ENG", "scotland": "SCT"}


def _cards(sim: Simulation, end: dt.datetime) -> tuple[list[srs.Memory], int]:
    """All FSRS cards at the end, and the backlog: cards of learners still taking part
    (not stopped, quiet or on leave) due for over three days with no refresher sent since
    they fell due."""
    with Session(sim.services.engine) as session:
        rows = session.exec(select(SrsCard)).all()
        learners = {row.id: row for row in session.exec(select(Learner)).all()}
        last_sent: dict[tuple[int, str], dt.datetime] = {}
        for d in session.exec(select(Delivery).where(Delivery.kind == "refresher")).all():
            if d.sent_at is not None and d.ref is not None:
                key = (d.learner_id, d.ref)
                last_sent[key] = max(d.sent_at, last_sent.get(key, d.sent_at))
    memories = [
        srs.Memory(r.id or 0, r.state, r.step, r.stability, r.difficulty, r.due, r.last_review)
        for r in rows
    ]
    overdue = 0
    for card in rows:
        learner = learners[card.learner_id]
        taking_part = (
            not learner.paused
            and learner.nudges_ignored < 3
            and not (learner.away_until and learner.away_until >= end.date())
        )
        sent = last_sent.get((card.learner_id, card.question_id))
        stale = card.due < end - dt.timedelta(days=3) and (sent is None or sent < card.due)
        overdue += int(taking_part and stale)
    return memories, overdue
