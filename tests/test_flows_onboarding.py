"""Onboarding as transcripts, without a database: /start, the demo council or a join code,
a learning time, and commands sent before joining."""

from __future__ import annotations

from bot.flows.onboarding import TIME_CHOICES
from bot.state import Stage
from bot.texts import ENGLISH as T
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.memory_store import MemoryStore
from tests.support.transcript import Reply, bot, officer, press, verify_dialog

BORSET = "Borsetshire County Council"
ASK_COUNCIL = bot(T.ask_council, T.demo_council_button, T.join_code_button)
ASK_TIME = bot(T.ask_time, *TIME_CHOICES)
WEEKDAYS = T.days_weekdays
DEMO_JOINED = bot(T.joined.format(council="Demo Council"))


def all_set(time: str) -> list[Reply]:
    return [bot(T.onboarded.format(time=time, days=WEEKDAYS), T.first_bite_button)]


def test_onboarding_with_the_demo_council(clock: ManualClock, demo_curriculum: Curriculum) -> None:
    ann = officer(demo_curriculum, clock)
    verify_dialog(
        ann,
        [
            ("/start", [bot(T.welcome), ASK_COUNCIL]),
            (press(T.demo_council_button), [DEMO_JOINED, ASK_TIME]),
            ("9.15am", all_set("09:15")),
        ],
    )
    state = ann.state
    assert (state.stage, state.learning_time, state.working_days) == (
        Stage.ACTIVE,
        "09:15",
        ("mon", "tue", "wed", "thu", "fri"),
    )


def test_onboarding_with_a_join_code(clock: ManualClock, demo_curriculum: Curriculum) -> None:
    store = MemoryStore()
    borset = store.add_council("borsetshire", BORSET, "BORS-26")
    ann = officer(demo_curriculum, clock, store)
    verify_dialog(
        ann,
        [
            ("/start", [bot(T.welcome), ASK_COUNCIL]),
            (press(T.join_code_button), [bot(T.ask_join_code)]),
            ("nope", [bot(T.unknown_join_code.format(code="nope"), *ASK_COUNCIL.buttons)]),
            ("bors-26", [bot(T.joined.format(council=BORSET)), ASK_TIME]),
            ("25:00", [bot(T.bad_time, *TIME_CHOICES)]),
            (press("08:30"), all_set("08:30")),
        ],
    )
    assert ann.state.council_id == borset.id


def test_a_code_with_start_or_from_the_channel_joins_at_once(
    clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    ann = officer(demo_curriculum, clock)
    verify_dialog(ann, [("/start demo", [bot(T.welcome), DEMO_JOINED, ASK_TIME])])
    # A Teams tenant linked to a council names it: the first message joins it.
    bob = officer(demo_curriculum, clock, ann.store, user_id="officer-2")
    assert bob.say("hello", council_hint="demo") == [bot(T.welcome), DEMO_JOINED, ASK_TIME]


def test_commands_before_joining_say_joining_comes_first(
    clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    ann = officer(demo_curriculum, clock)
    verify_dialog(
        ann,
        [
            ("/next", [bot(T.welcome), bot(T.set_up_first.format(name="next")), ASK_COUNCIL]),
            # A plain word is the same command ("continue" is /next).
            ("continue", [bot(T.set_up_first.format(name="next")), ASK_COUNCIL]),
            ("/frobnicate", [bot(T.unknown_command.format(name="frobnicate")), ASK_COUNCIL]),
            ("/stop", [bot(T.stop_before_joining)]),
            ("/define nothing-here", [bot(T.define_unknown.format(term="nothing-here"))]),
            ("/help", [bot(T.help, T.continue_button)]),
            (press(T.demo_council_button), [DEMO_JOINED, ASK_TIME]),
            ("/progress", [bot(T.set_up_first.format(name="progress")), ASK_TIME]),
            (press("12:30"), all_set("12:30")),
        ],
    )


def test_a_platform_redelivery_is_handled_once(
    clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    ann = officer(demo_curriculum, clock)
    inbound = ann.inbound(text="/start")
    assert ann.send(inbound) == [bot(T.welcome), ASK_COUNCIL]
    assert ann.send(inbound) == []
    assert ann.state.stage is Stage.CHOOSING_COUNCIL
