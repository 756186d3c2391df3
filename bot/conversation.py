"""Route an intent to the flow that handles it. Pure: no I/O, no clock, no randomness."""

from __future__ import annotations

from dataclasses import dataclass

from bot import payloads
from bot.decision import Context, Decision, say, text
from bot.flows import account, assessment, learning, moving, mydata, onboarding, refresher, team
from bot.flows import dashboard as dashboard_flow
from bot.intents import Command, Empty, Intent, Press, Text
from bot.messages import Choice
from bot.schedule_words import parse_days
from bot.state import Awaiting, LearnerState, Stage
from lessons.model import Curriculum

# Commands that work while a learner is paused: they send nothing unasked for.
_WHILE_PAUSED = {"help", "progress", "settings", "define", "stop", "pause"}
_WHILE_PAUSED |= {"assess", "mydata"}  # they send nothing unasked for either (issue 8)
# Commands that make sense before joining a council (/help and /stop are answered too).
_BEFORE_JOINING = {"define", "mydata"}


@dataclass(frozen=True)
class Needs:
    """The stored facts the flow an intent goes to reads, beyond the learner and their
    council: the service loads only these into the `Context`."""

    progress: bool = True
    answers: bool = True  # the current quiz attempt's answers
    answered: bool = True  # every question ever answered (a repeated answer button)
    roles: bool = True


EVERYTHING = Needs()
_NOTHING_MORE = Needs(progress=False, answers=False, answered=False, roles=False)


def needs(state: LearnerState, intent: Intent, curriculum: Curriculum) -> Needs:
    """What `respond` will read for this intent: everything, except on the answer path
    (a quiz answer, "Next" or "Continue" inside a module, a pre-test or refresher round
    answer), whose flows are known to read less. Mirrors `respond`'s routing, so a route
    added there reads everything until it is listed here."""
    if state.stage is not Stage.ACTIVE:
        return EVERYTHING
    if isinstance(intent, Command):
        within = intent.name == "next" and _inside_module(state, curriculum)
        return _NOTHING_MORE if within else EVERYTHING
    if not isinstance(intent, Press):
        return EVERYTHING
    picked = payloads.read_payload(intent.payload)
    if isinstance(picked, payloads.PretestAnswer):
        return _NOTHING_MORE  # the pre-test item is all it reads
    if isinstance(picked, payloads.RefresherAnswer):
        # The round, and today's modules: a round stops at the day's minutes (bot.day_budget).
        return Needs(progress=True, answers=False, answered=False, roles=False)
    if isinstance(picked, payloads.Simple) and picked.name == payloads.NEXT:
        return _NOTHING_MORE if _inside_module(state, curriculum) else EVERYTHING
    if not isinstance(picked, payloads.Answer):
        return EVERYTHING
    found = curriculum.find_question(picked.question_id)
    if found is None or found[0].id != state.module_id or found[1].id != state.pending_question:
        return EVERYTHING  # forged or stale: "already answered" reads every answer
    module = found[0]
    # Only the quiz's last answer scores it, from the attempt's answers and the records.
    last = state.cursor + 1 >= len(module.cards) + len(module.questions)
    return Needs(progress=last, answers=last, answered=False, roles=False)


def _inside_module(state: LearnerState, curriculum: Curriculum) -> bool:
    """`learning.next_step` shows the module's next item (no facts needed)."""
    module = curriculum.module(state.module_id) if state.module_id else None
    if module is None:
        return False
    pending = state.pending_question is not None and module.question(state.pending_question)
    return bool(pending) or state.cursor < len(module.cards) + len(module.questions)


def respond(state: LearnerState, intent: Intent, ctx: Context) -> Decision:
    """Decide the bot's replies and the learner's new state for one intent."""
    if isinstance(intent, Command) and intent.name == "help":
        return account.help_reply(state, ctx)
    if state.stage is not Stage.ACTIVE:
        return _before_joining(state, intent, ctx)
    if isinstance(intent, Command) and intent.name == "start":
        code = intent.args.split()[0] if intent.args else None
        moved = moving.start_with_code(state, code, ctx) if code else None
        return moved or account.resume(state, ctx)
    if isinstance(intent, Press) and intent.payload == payloads.RESUME:
        return account.resume(state, ctx)
    if isinstance(intent, Press) and intent.payload == payloads.END_LEAVE:
        return account.end_leave(state, ctx)  # from /settings or /start, paused or not
    if isinstance(intent, Press) and (own := _self_service(state, intent, ctx)) is not None:
        return own  # /assess and /mydata buttons work while paused too
    if state.paused and not (isinstance(intent, Command) and intent.name in _WHILE_PAUSED):
        if isinstance(intent, Press) and payloads.read_payload(intent.payload) is None:
            return say(state, text(ctx.texts.forged_button))
        resume = Choice(payloads.RESUME, ctx.texts.resume_button)
        return say(state, text(ctx.texts.paused_reply, resume))
    if isinstance(intent, Command):
        return _command(state, intent, ctx)
    if isinstance(intent, Press):
        return _press(state, intent, ctx)
    if isinstance(intent, Text):
        return _text(state, intent, ctx)
    assert isinstance(intent, Empty)
    return say(state, text(ctx.texts.empty))


def _before_joining(state: LearnerState, intent: Intent, ctx: Context) -> Decision:
    """Someone not yet set up: the few commands that need no council, else onboarding."""
    if isinstance(intent, Command) and intent.name in _BEFORE_JOINING:
        return _command(state, intent, ctx)
    if isinstance(intent, Press) and intent.payload in mydata.PRESSES:
        return mydata.press(state, intent.payload, ctx)
    return onboarding.handle(state, intent, ctx)


def _command(state: LearnerState, command: Command, ctx: Context) -> Decision:
    match command.name:
        case "next":
            return learning.next_step(state, ctx)
        case "progress":
            return account.progress(state, ctx)
        case "settings":
            return account.settings(state, ctx)
        case "stop":
            return account.stop(state, ctx)
        case "define":
            return account.define(state, command.args, ctx)
        case "pause":
            return account.pause(state, command.args, ctx)
        case "team":  # managers (issue 8)
            return team.show(state, ctx)
        case "dashboard":
            return dashboard_flow.sign_in_link(state, ctx)
        case assessment.COMMAND:
            return assessment.start(state, ctx)
        case mydata.COMMAND:
            return mydata.show(state, ctx)
    return say(state, text(ctx.texts.unknown_command.format(name=command.name)))


def _self_service(state: LearnerState, press: Press, ctx: Context) -> Decision | None:
    """The self-assessment's and /mydata's buttons (issue 8); None for other buttons."""
    if press.payload in mydata.PRESSES:
        return mydata.press(state, press.payload, ctx)
    picked = assessment.read_press(press.payload)
    return assessment.press(state, picked, ctx) if picked is not None else None


def _press(state: LearnerState, press: Press, ctx: Context) -> Decision:
    t = ctx.texts
    if (nudged := team.read_nudge(press.payload)) is not None:  # a manager's nudge button
        return team.nudge(state, nudged, ctx)
    picked = payloads.read_payload(press.payload)
    if picked is None:
        return say(state, text(t.forged_button))
    if isinstance(picked, payloads.Answer):
        return learning.answer(state, picked, ctx)
    if isinstance(picked, payloads.RefresherAnswer):
        return refresher.answer(state, picked, ctx)
    if isinstance(picked, payloads.Later):
        return refresher.later(state, picked, ctx)
    if isinstance(picked, payloads.Guessed):
        return refresher.guessed(state, ctx)
    if isinstance(picked, payloads.PretestAnswer):
        return learning.answer_pretest(state, picked, ctx)
    if isinstance(picked, payloads.MoveCouncil):
        return moving.move(state, picked.code, ctx)
    if isinstance(picked, payloads.PickTime):
        if state.awaiting is not Awaiting.LEARNING_TIME:
            return say(state, text(t.stale_button))
        return account.save_time(state, picked.time, ctx)
    if isinstance(picked, payloads.PickDays):
        if state.awaiting is not Awaiting.WORKING_DAYS:
            return say(state, text(t.stale_button))
        return account.save_days(state, picked.days, ctx)
    match picked.name:
        case payloads.NEXT:
            return learning.next_step(state, ctx)
        case payloads.PROGRESS:
            return account.progress(state, ctx)
        case payloads.SETTINGS:
            return account.settings(state, ctx)
        case payloads.SETTINGS_TIME:
            return account.ask_time(state, ctx)
        case payloads.SETTINGS_DAYS:
            return account.ask_days(state, ctx)
        case payloads.HELP:
            return account.help_reply(state, ctx)
        case payloads.PRETEST_SKIP:
            return learning.skip_pretest(state, ctx)
        case payloads.STAY:
            return moving.stay(state, ctx)
    return say(state, text(t.stale_button))  # onboarding buttons after onboarding


def _text(state: LearnerState, typed: Text, ctx: Context) -> Decision:
    if state.awaiting is Awaiting.LEARNING_TIME:
        return account.save_time(state, typed.text, ctx)
    if state.awaiting is Awaiting.WORKING_DAYS:
        return account.save_days(state, parse_days(typed.text), ctx)
    if state.pending_question is not None:
        again = learning.question_reply(state, ctx)
        if again is not None:
            return say(state, text(ctx.texts.pick_an_answer), again)
    return say(state, text(ctx.texts.not_understood))
