"""`bites simulate`: the real planner, dispatcher and bot on a fresh database, driven by
simulated officers who remember and forget, on a clock that jumps from event to event.

Each simulated officer (see `app.sim.learners`) has a hidden memory of every question
they have met (`app.sim.memory`): they answer from it, guess when it fails them, take time
to read and answer, ignore some messages, react to others minutes or hours later, take
leave (/pause), and some go quiet. The scheduler sees only their answers. The clock jumps
to the next event: a delivery falling due, a local day beginning (planning), or a
learner's next action. Every send is checked against the pacing rules with plain calendar
arithmetic, and the run reports what the learners truly know at the end
(`app.sim.metrics`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import random
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from sqlmodel import Session, select

from adapters.recording import RecordingSender, Sent
from app.settings import Settings
from app.sim import facts, metrics, summary
from app.sim.effect_keys import effect_keys
from app.sim.learners import (
    Learner,
    draw_profile,
    is_quiet,
    question_seconds,
    reaction_at,
    reading_seconds,
)
from app.sim.memory import (
    Trait,
    after_retrieval,
    combine,
    first_reading,
    pick_option,
    question_trait,
    retrievability,
)
from app.sim.platform import NoWaitPacer, Platform, SteadyJitter
from app.sim.sitting import GUESS_PREFIX, Answer, Asked, Sitting, asked_question, next_step
from app.simulated import DeliveryWatch, dispatch, next_day_start, plan
from app.wiring import Services, build_services
from bot.messages import (
    ConversationRef,
    Inbound,
    Outbound,
)
from runtime.clock import ManualClock
from runtime.dispatcher import Dispatcher
from scheduler import srs
from scheduler.pacing import DEFAULT_TIMEZONE, DEFAULT_WORKING_DAYS, zone
from storage.tables import Council

PLATFORM = "sim"
ZONE = zone(DEFAULT_TIMEZONE)
LEAVE_AT = dt.time(10, 0)  # local time a learner sends /pause on the day they announce it


class Simulation:
    """One run: the services, the learners, the event queue and what was observed."""

    def __init__(self, services: Services, clock: ManualClock, sender: RecordingSender, seed: int):
        self.services, self.clock, self.sender, self.seed = services, clock, sender, seed
        self.learners: dict[str, Learner] = {}
        self.seen = metrics.Observations()
        self._sittings: dict[str, Sitting] = {}
        self._pending: defaultdict[str, deque[tuple[Outbound, ...]]] = defaultdict(deque)
        self._wake: dict[str, dt.datetime] = {}
        self._events: list[tuple[dt.datetime, str, int, str]] = []
        self._order = itertools.count()
        self._traits: dict[str, Trait] = {}

    # --- the clock ------------------------------------------------------------------

    def run(self, end: dt.datetime) -> None:
        """Jump from event to event until `end`. At one instant: planning when a local day
        begins, then the learners' actions, then the dispatcher (so a learner who sends
        /pause at 10:00 is on leave for a delivery due at 10:00)."""
        loop = asyncio.new_event_loop()
        deliveries = DeliveryWatch(self.services.engine)
        try:
            plan(self.services)
            dispatch(self.services, loop)
            next_day = next_day_start(self.services, self.clock.now())
            while True:
                now = self.clock.now()
                times = (next_day, deliveries.next_at(), self._next_action())
                at = max(min((t for t in times if t is not None), default=end), now)
                if at >= end:
                    break
                self.clock.advance(at - now)
                planned = next_day is not None and at >= next_day
                if planned:
                    plan(self.services)
                    next_day = next_day_start(self.services, at)
                self._act_until(at)
                due = deliveries.next_at()
                if planned or (due is not None and at >= due):
                    dispatch(self.services, loop)
        finally:
            deliveries.close()
            loop.close()

    def _next_action(self) -> dt.datetime | None:
        return self._events[0][0] if self._events else None

    def _push(self, at: dt.datetime, user_id: str, kind: str) -> None:
        # Learners acting at one instant act in the order of their ids, not of when their
        # event was pushed (which follows the order of a batch's sends): a seed is a run.
        heapq.heappush(self._events, (at, user_id, next(self._order), kind))

    def _act_until(self, at: dt.datetime) -> None:
        while self._events and self._events[0][0] <= at:
            _when, user_id, _n, kind = heapq.heappop(self._events)
            learner = self.learners[user_id]
            {"leave": self._take_leave, "wake": self._wake_up, "step": self._step}[kind](learner)

    # --- learners -------------------------------------------------------------------

    def enrol(self, learner: Learner) -> None:
        """Join, choose a learning time and working days; plan their leave."""
        profile = learner.profile
        self.learners[profile.user_id] = learner
        scottish = profile.nation == "scotland"
        self._say(learner, "/start")
        self._say(learner, "/start SIMSCOT" if scottish else "/start demo")
        self._say(learner, profile.learning_time)
        if profile.days != DEFAULT_WORKING_DAYS:
            self._say(learner, "/settings")
            self._say(learner, "", "settings:days")
            self._say(learner, " ".join(profile.days))
        if profile.leave is not None:
            at = dt.datetime.combine(profile.leave[0], LEAVE_AT, ZONE).astimezone(dt.UTC)
            self._push(at, profile.user_id, "leave")

    def arrived(self, sent: Sent) -> None:
        """A proactive send reached a learner: they may turn to it, now or later."""
        user_id = sent.ref.user_id
        learner = self.learners[user_id]
        self._note_asked(user_id, sent.messages)
        if is_quiet(learner.profile, sent.at.astimezone(ZONE).date()):
            return
        when = reaction_at(learner, sent.at, ZONE)
        if when is None:
            return
        self._pending[user_id].append(sent.messages)
        waking = self._wake.get(user_id)
        if user_id not in self._sittings and (waking is None or when < waking):
            self._wake[user_id] = when
            self._push(when, user_id, "wake")

    def _take_leave(self, learner: Learner) -> None:
        assert learner.profile.leave is not None
        learner.leave_start = self.clock.now()
        self._say(learner, f"/pause {learner.profile.leave[1].isoformat()}")
        self._activity(learner, refresher=False)

    def _wake_up(self, learner: Learner) -> None:
        user_id = learner.profile.user_id
        if self._wake.get(user_id) != self.clock.now():
            return  # an earlier reaction took its place
        del self._wake[user_id]
        if user_id not in self._sittings:
            self._open_next(learner)

    def _open_next(self, learner: Learner) -> None:
        user_id = learner.profile.user_id
        pending = self._pending[user_id]
        if is_quiet(learner.profile, self._today()):
            pending.clear()
        if not pending:
            return
        shown = pending.popleft()
        asked = asked_question(shown, self.services.curriculum)
        sitting = Sitting(
            shown, refreshing=asked is not None and asked.question_id in learner.memory
        )
        self._sittings[user_id] = sitting
        self._spend(learner, sitting, shown)

    def _spend(self, learner: Learner, sitting: Sitting, shown: Sequence[Outbound]) -> None:
        """The learner reads what is shown (and answers its question); then steps on."""
        curriculum = self.services.curriculum
        asked = asked_question(shown, curriculum)
        reading = " ".join(m.text for m in shown if asked is None or m.asks_question is None)
        seconds = reading_seconds(learner.profile, reading)
        if asked is not None:
            seconds += question_seconds(learner)
        sitting.seconds += seconds
        self.seen.spend(learner.profile.user_id, self._today(), seconds)
        self._push(
            self.clock.now() + dt.timedelta(seconds=seconds), learner.profile.user_id, "step"
        )

    def _step(self, learner: Learner) -> None:
        user_id = learner.profile.user_id
        sitting = self._sittings[user_id]
        step = None
        if not is_quiet(learner.profile, self._today()):
            step = next_step(learner, sitting, self.services.curriculum)
        if step is None:
            del self._sittings[user_id]
            if sitting.seconds > learner.profile.sitting_minutes * 60:
                self._pending[user_id].clear()  # they closed the chat
            self._open_next(learner)
            return
        if isinstance(step, Answer):
            replies = self._answer(learner, sitting, step.asked)
            on_screen: tuple[Outbound, ...] = ()
        else:
            replies = self._say(learner, "", step.choice.id)
            owned_up = step.choice.id.startswith(GUESS_PREFIX)
            sitting.guessed = sitting.guessed and not owned_up
            # "I guessed" only acknowledges: what was on the learner's screen with it (the
            # next question, the way on) is still there, less the button they pressed.
            on_screen = (
                tuple(
                    replace(m, choices=tuple(c for c in m.choices if c != step.choice))
                    for m in sitting.shown
                )
                if owned_up
                else ()
            )
            self._classify(learner, sitting, (*on_screen, *replies))
        sitting.shown = (*on_screen, *replies)
        self._note_asked(user_id, replies)
        self._spend(learner, sitting, replies)

    def _answer(self, learner: Learner, sitting: Sitting, asked: Asked) -> list[Outbound]:
        """Answer from memory: recall with the hidden probability, else guess."""
        now, question_id = self.clock.now(), asked.question_id
        correct = [button.correct for button in asked.buttons]
        trait = self._trait(learner, question_id)
        trace = learner.memory.get(question_id)
        if trace is None and asked.shown_id and asked.shown_id != question_id:
            # A pre-test before the module: nothing to remember yet, so a guess that
            # leaves no memory behind.
            index, _recalled = pick_option(correct, 0.0, learner.rng)
            sitting.guessed = True
            self.seen.answers += 1
            return self._say(learner, "", asked.buttons[index].choice.id)
        if trace is None:  # first reading: understood, or not
            understood = learner.rng.random() < learner.profile.understand
            index, recalled = pick_option(correct, float(understood), learner.rng)
            learner.memory[question_id] = first_reading(recalled, trait, now)
        else:
            predicted = self._predicted(learner, question_id)
            index, recalled = pick_option(correct, retrievability(trace, now), learner.rng)
            learner.memory[question_id] = after_retrieval(trace, recalled, trait, now)
            if predicted is not None:
                self.seen.predictions.append((predicted, recalled))
            sitting.answered += 1
        sitting.guessed = not recalled
        sitting.refreshing = trace is not None
        self.seen.answers += 1
        self._activity(learner, refresher=trace is not None)
        return self._say(learner, "", asked.buttons[index].choice.id)

    def _classify(self, learner: Learner, sitting: Sitting, replies: Sequence[Outbound]) -> None:
        """A press belongs to refreshing when it leads to an earlier module's question, or
        follows one and leads to no new question."""
        asked = asked_question(replies, self.services.curriculum)
        if asked is not None:
            sitting.refreshing = asked.question_id in learner.memory
        self._activity(learner, refresher=sitting.refreshing)

    def _predicted(self, learner: Learner, question_id: str) -> float | None:
        if learner.learner_id is None:
            return None
        found = facts.stored_card(self.services.engine, learner.learner_id, question_id)
        if found is None:
            return None
        card, scale = found
        return srs.recall(card, self.clock.now(), scale=scale)

    def _trait(self, learner: Learner, question_id: str) -> Trait:
        if question_id not in self._traits:
            self._traits[question_id] = question_trait(self.seed, question_id)
        return combine(learner.profile.multiplier, self._traits[question_id])

    def _activity(self, learner: Learner, refresher: bool) -> None:
        self.seen.activity(learner.profile.user_id, self._today(), self.clock.now(), refresher)

    def _note_asked(self, user_id: str, messages: Sequence[Outbound]) -> None:
        for message in messages:
            if message.asks_question is not None:
                self.seen.asked[(user_id, message.asks_question)] = self.clock.now()

    def _say(self, learner: Learner, text: str, choice: str | None = None) -> list[Outbound]:
        user_id = learner.profile.user_id
        ref = ConversationRef(PLATFORM, user_id, user_id)
        return self.services.bot.handle(Inbound(ref, self.clock.now(), text, choice))

    def _today(self) -> dt.date:
        return self.clock.now().astimezone(ZONE).date()


def run_simulation(
    learners: int,
    days: int,
    seed: int,
    start: dt.datetime,
    db_path: Path | None = None,
    policy: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Run the simulation and return its summary (see `app.sim.summary`)."""
    began = time.perf_counter()
    # FSRS's interval fuzz draws from the `random` module: seed it, so a seed is a run.
    random.seed(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = db_path or Path(folder) / "simulate.db"
        clock = ManualClock(start)
        settings = Settings(database_url=f"sqlite:///{path}", scheduler=False, webchat=False)
        services = build_services(settings, clock=clock)
        _scottish_council(services, clock.now())
        _set_policy(services, policy or {})
        sender = RecordingSender(PLATFORM, clock.now, refuse=Platform(seed).refuse)
        services.senders[PLATFORM] = sender
        dispatcher = Dispatcher(
            services.deliveries,
            services.bot.compose,
            services.senders,
            clock,
            rng=SteadyJitter(),
            pacer=NoWaitPacer(),
        )
        services = replace(services, dispatcher=dispatcher)
        sim = Simulation(services, clock, sender, seed)
        sender.listeners.append(sim.arrived)
        for index in range(learners):
            sim.enrol(draw_profile(seed, index, start.date(), days))
        ids = facts.learner_ids(services.engine, PLATFORM)
        for user_id, learner in sim.learners.items():
            learner.learner_id = ids.get(user_id)
        end = start + dt.timedelta(days=days)
        sim.run(end)
        result = summarise(sim, start, end, {v: k for k, v in ids.items()})
        services.engine.dispose()
    result["seconds"] = round(time.perf_counter() - began, 1)
    return result


def _set_policy(services: Services, policy: Mapping[str, object]) -> None:
    """Give every council the pacing settings being compared (round sizes, backlog limit,
    desired retention), as `bites council set` would."""
    for code in ("demo", "sim-scot"):
        if policy and services.store.set_council_pacing(code, **policy) is None:
            raise ValueError(f"no council {code} to set the policy on")


def _scottish_council(services: Services, at: dt.datetime) -> None:
    services.store.ensure_council("sim-scot", "Simulated Scottish Council", "SIMSCOT", at)
    with Session(services.engine) as session, session.begin():
        council = session.exec(select(Council).where(Council.code == "sim-scot")).one()
        council.nation = "scotland"
        session.add(council)


def summarise(
    sim: Simulation, start: dt.datetime, end: dt.datetime, users: dict[int, str]
) -> dict[str, object]:
    """The run's summary: the rule checks and the learning figures."""
    state = facts.end_state(sim.services.engine, users)
    result = summary.summarise(sim.learners, sim.sender.sent, sim.seen, state, start, end)
    return {**result, **effect_keys(sim.services.engine)}
