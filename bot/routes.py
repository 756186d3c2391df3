"""Every command and button the bot answers: the flow that decides, what it reads, and
when it works. Pure.

`bot.conversation.route` picks one entry per intent; the service loads what that route
declares (`bot.decision.Needs`) and runs its flow, so nothing routes an intent twice.

Adding a command: its flow (`bot/flows/`), its texts (`bot/texts.py`, and the /help
list), and one line in `COMMANDS`. Buttons a flow makes with its own payloads (like
/mydata's) are one line in `BUTTON_FAMILIES`; `bot.payloads`' own buttons are in
`BUTTONS` and `payload_route`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, assert_never

from bot import payloads
from bot.decision import Context, Decision, Needs
from bot.flows import account, assessment, dashboard, learning, moving, mydata, refresher, team
from bot.intents import Command, Intent, Press, Words
from bot.state import LearnerState
from lessons.model import Curriculum

A = TypeVar("A")
T = TypeVar("T")

Flow = Callable[[LearnerState, Context], Decision]
CommandFlow = Callable[[LearnerState, str, Context], Decision]  # (state, words after it, ctx)
NeedsOf = Callable[[LearnerState, Intent, Curriculum], Needs]  # needs worked out per intent
NOTHING_MORE = Needs()  # the learner, their council and today are always loaded


@dataclass(frozen=True)
class Route:
    """Where one intent goes: the flow, what it reads, and when it may run."""

    flow: Flow
    needs: Needs = NOTHING_MORE
    while_paused: bool = False  # runs after /stop too: it sends nothing unasked for
    before_joining: bool = False  # runs before the learner has joined a council


@dataclass(frozen=True)
class CommandRoute:
    """A command (`/name`, or the name typed alone) and its flow."""

    flow: CommandFlow
    needs: Needs | NeedsOf = NOTHING_MORE
    while_paused: bool = False
    before_joining: bool = False
    takes_args: bool = False  # typed without a slash, it may be followed by words
    aliases: tuple[str, ...] = ()  # other names, after a slash only
    plain_aliases: tuple[str, ...] = ()  # other names, typed alone too

    def route(self, state: LearnerState, command: Command, curriculum: Curriculum) -> Route:
        """This command's route for the learner as they are."""
        needs = _resolve(self.needs, state, command, curriculum)
        flow = bind(self.flow, command.args)
        return Route(flow, needs, self.while_paused, self.before_joining)


@dataclass(frozen=True)
class ButtonRoute:
    """A button with a plain payload of `bot.payloads` and its flow."""

    flow: Flow
    needs: Needs | NeedsOf = NOTHING_MORE
    while_paused: bool = False

    def route(self, state: LearnerState, intent: Intent, curriculum: Curriculum) -> Route:
        """This button's route for the learner as they are."""
        return Route(self.flow, _resolve(self.needs, state, intent, curriculum), self.while_paused)


@dataclass(frozen=True)
class ButtonFamily(Generic[T]):
    """Buttons a flow makes and reads itself: `read` turns a payload into what was
    pressed (None: not one of these), and the flow decides from it."""

    read: Callable[[str], T | None]
    flow: Callable[[LearnerState, T, Context], Decision]
    needs: Needs | Callable[[T], Needs] = NOTHING_MORE
    while_paused: bool = False
    before_joining: bool = False

    def route(self, raw: str) -> Route | None:
        """The route of a pressed payload of this family; None if it is not one."""
        picked = self.read(raw)
        if picked is None:
            return None
        needs = self.needs if isinstance(self.needs, Needs) else self.needs(picked)
        flow = bind(self.flow, picked)
        return Route(flow, needs, self.while_paused, self.before_joining)


def bind(flow: Callable[[LearnerState, A, Context], Decision], arg: A) -> Flow:
    """A flow with what was typed or pressed filled in."""

    def run(state: LearnerState, ctx: Context) -> Decision:
        return flow(state, arg, ctx)

    return run


def plain(flow: Flow) -> CommandFlow:
    """A command flow that ignores any words after the command."""

    def run(state: LearnerState, _args: str, ctx: Context) -> Decision:
        return flow(state, ctx)

    return run


def _resolve(
    needs: Needs | NeedsOf, state: LearnerState, intent: Intent, curriculum: Curriculum
) -> Needs:
    return needs if isinstance(needs, Needs) else needs(state, intent, curriculum)


PROGRESS = Needs(progress=True)
ACTOR = Needs(actor=True)
MANAGER = Needs(actor=True, team=True)
ASSESSMENT = Needs(assessment=True, progress=True)  # its path leaves out modules done

COMMANDS: Mapping[str, CommandRoute] = {
    "help": CommandRoute(
        plain(account.help_reply), ACTOR, while_paused=True, before_joining=True, aliases=("menu",)
    ),
    "start": CommandRoute(moving.start, moving.start_needs, while_paused=True, aliases=("resume",)),
    "next": CommandRoute(
        plain(learning.next_step), learning.next_needs, plain_aliases=("continue",)
    ),
    "progress": CommandRoute(plain(account.progress), PROGRESS, while_paused=True),
    "settings": CommandRoute(plain(account.settings), while_paused=True),
    "stop": CommandRoute(plain(account.stop), while_paused=True),  # before joining: onboarding
    "define": CommandRoute(account.define, while_paused=True, before_joining=True, takes_args=True),
    "pause": CommandRoute(account.pause, while_paused=True, takes_args=True, aliases=("leave",)),
    "team": CommandRoute(plain(team.show), MANAGER),
    "dashboard": CommandRoute(plain(dashboard.sign_in_link), ACTOR),
    "assess": CommandRoute(plain(assessment.start), ASSESSMENT, while_paused=True),
    "mydata": CommandRoute(
        plain(mydata.show), Needs(my_data=True), while_paused=True, before_joining=True
    ),
}

BUTTONS: Mapping[str, ButtonRoute] = {
    payloads.NEXT: ButtonRoute(learning.next_step, learning.next_needs),
    payloads.PROGRESS: ButtonRoute(account.progress, PROGRESS),
    payloads.SETTINGS: ButtonRoute(account.settings),
    payloads.SETTINGS_TIME: ButtonRoute(account.ask_time),
    payloads.SETTINGS_DAYS: ButtonRoute(account.ask_days),
    payloads.HELP: ButtonRoute(account.help_reply, ACTOR),
    payloads.PRETEST_SKIP: ButtonRoute(learning.skip_pretest),
    payloads.STAY: ButtonRoute(moving.stay),
    payloads.RESUME: ButtonRoute(account.resume, while_paused=True),
    payloads.END_LEAVE: ButtonRoute(account.end_leave, while_paused=True),  # from /settings too
}

BUTTON_FAMILIES: tuple[ButtonFamily[Any], ...] = (
    ButtonFamily(
        mydata.read_press, mydata.press, mydata.press_needs, while_paused=True, before_joining=True
    ),
    ButtonFamily(assessment.read_press, assessment.press, ASSESSMENT, while_paused=True),
    ButtonFamily(team.read_nudge, team.nudge, MANAGER),  # a manager's nudge buttons
)


def payload_route(
    state: LearnerState, press: Press, picked: payloads.Payload, curriculum: Curriculum
) -> Route | None:
    """The route of a button `bot.payloads` makes; None for one that has none once the
    learner is set up (onboarding's buttons)."""
    match picked:
        case payloads.Answer():
            needs = learning.answer_needs(state, picked, curriculum)
            return Route(bind(learning.answer, picked), needs)
        case payloads.RefresherAnswer():
            # Today's modules too: a round stops at the day's minutes (bot.day_budget).
            needs = Needs(progress=True, round=payloads.round_named(picked))
            return Route(bind(refresher.answer, picked), needs)
        case payloads.Later():
            return Route(bind(refresher.later, picked), Needs(round=payloads.round_named(picked)))
        case payloads.Guessed():
            needs = Needs(round=payloads.round_named(picked), guess=picked)
            return Route(refresher.guessed, needs)
        case payloads.PretestAnswer():
            return Route(bind(learning.answer_pretest, picked))  # the pre-test item is all
        case payloads.MoveCouncil():
            return Route(bind(moving.move, picked.code), Needs(join_code=picked.code))
        case payloads.PickTime():
            return Route(bind(account.pick_time, picked.time))
        case payloads.PickDays():
            return Route(bind(account.pick_days, picked.days))
        case payloads.Simple():
            button = BUTTONS.get(picked.name)
            return button.route(state, press, curriculum) if button else None
    assert_never(picked)


WORDS = Words(
    plain=frozenset(COMMANDS) | {word for c in COMMANDS.values() for word in c.plain_aliases},
    aliases={word: name for name, c in COMMANDS.items() for word in c.aliases + c.plain_aliases},
    take_args=frozenset(name for name, command in COMMANDS.items() if command.takes_args),
)
