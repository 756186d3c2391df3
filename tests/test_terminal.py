"""The terminal chat's numbered buttons (issue 14, item 9): numbers refer to the most
recent message that had buttons, an older question can still be answered by its label,
and a new interactive session starts from where the learner is."""

from __future__ import annotations

import io

import pytest

from adapters.terminal.adapter import GREETING, GREETING_BACK, run_terminal
from app.cli import _opening
from app.wiring import Services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import make_services

DEFINE = "I don't have a definition of KPI yet. Try a term such as KPI or service credit.\n\n"
MODULE_1 = "Module 1 of 3: What contract management is\n"
PROGRESS = (
    "Your progress: 0 of 3 modules done.\nIn progress:\n"
    "- What contract management is (card 2 of 3)\nNext up: KPIs and contract performance "
    "notices\n[1] Continue\n\n"
)


@pytest.fixture
def services(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Services:
    return make_services(sqlite_url, clock, demo_curriculum)


def chat(services: Services, script: str, interactive: bool = False) -> str:
    """Run a terminal session; return everything it printed."""
    out = io.StringIO()
    run_terminal(
        services.bot.handle,
        services.clock,
        "ann",
        io.StringIO(script),
        out,
        interactive=interactive,
        opening=_opening(services, "ann") if interactive else None,
    )
    return out.getvalue()


def test_numbers_refer_to_the_last_message_that_had_buttons(services: Services) -> None:
    out = chat(services, "/start\n1\n12:30\n/define KPI\n1\n")
    # "1" presses the first button of "All set…", the last message that had buttons.
    assert (DEFINE + MODULE_1) in out


def test_an_older_question_can_be_answered_by_its_label(services: Services) -> None:
    out = chat(
        services,
        "/start\n1\n12:30\n1\nContinue\nContinue\nContinue\n/progress\n"
        "Running the contract after award\n",
    )
    last = out.rsplit("[1] Continue\n\n", 1)[1]  # after /progress's own Continue button
    assert last.startswith("Correct. The framework covers the operational phase")


def test_a_new_session_shows_where_the_learner_is(services: Services) -> None:
    chat(services, "/start\n1\n12:30\n1\nContinue\n")
    out = chat(services, "1\n", interactive=True)
    assert out.startswith(GREETING_BACK + "\n\n" + PROGRESS + "> Card 3 of 3")


def test_a_new_learner_is_told_how_to_begin(services: Services) -> None:
    assert chat(services, "", interactive=True) == GREETING + "\n\n> \n"


def test_a_long_wait_shows_progress_and_a_too_long_one_is_refused(
    services: Services, clock: ManualClock
) -> None:
    """Issue 14, item 10: `/wait` on the simulated clock of `bites chat`."""
    from app.cli import _waiter

    out = io.StringIO()
    script = "/start\n1\n12:30\n/wait 91d\n/wait 2200h\n/wait 8d\n"
    run_terminal(
        services.bot.handle,
        clock,
        "ann",
        io.StringIO(script),
        out,
        wait=_waiter(services, clock, "ann"),
    )
    text = out.getvalue()
    refusal = (
        "I can move the clock on by up to 90 days at a time; type /wait 90d or less, and again "
        "for longer.\n\n"
    )
    assert text.count(refusal) == 2
    assert "(... 7 of 8 days simulated, Mon 09 Mar 2026)\n" in text
    assert text.endswith("(waited 8d: 3 message(s) arrived)\n\n")
