"""First contact: welcome, choose a council, choose a learning time.

Commands registered to work before joining (`bot.routes`: /help, /define, /mydata) go to
their own flows; /stop is answered here, and any other command says joining comes first
and asks the current onboarding question again.
"""

from __future__ import annotations

from dataclasses import replace

from bot import payloads
from bot.decision import Context, Decision, say, text
from bot.flows.bite_time import bite_time_note
from bot.flows.team import join_effects
from bot.intents import Command, Intent, Press, Text
from bot.messages import Choice, Outbound, literal
from bot.schedule_words import describe_days, parse_time
from bot.state import Awaiting, LearnerState, Stage

DEMO_JOIN_CODE = "demo"
TIME_CHOICES = ("08:30", "12:30", "16:00")


def join_code_wanted(state: LearnerState, intent: Intent, council_hint: str | None) -> str | None:
    """The join code this flow will need looked up for this intent, if any."""
    if isinstance(intent, Command) and intent.name == "start" and intent.args:
        return intent.args.split()[0]
    if isinstance(intent, Press):
        picked = payloads.read_payload(intent.payload)
        if isinstance(picked, payloads.MoveCouncil):  # confirming a move (flows.moving)
            return picked.code
    if state.stage is Stage.NEW and council_hint:
        return council_hint
    if state.stage is Stage.CHOOSING_COUNCIL:
        if isinstance(intent, Press) and intent.payload == payloads.JOIN_DEMO:
            return DEMO_JOIN_CODE
        if isinstance(intent, Text):
            return intent.text.split()[0]
    return None


def time_choices() -> tuple[Choice, ...]:
    """Buttons for the usual learning times."""
    return tuple(Choice(payloads.time_payload(t), t) for t in TIME_CHOICES)


def handle(state: LearnerState, intent: Intent, ctx: Context, known: bool = True) -> Decision:
    """Move a learner who has not finished onboarding one step on; `known` says whether
    a command is one the bot has (it then waits for joining) or not."""
    t = ctx.texts
    if isinstance(intent, Command) and intent.name == "stop":
        return say(state, text(t.stop_before_joining))
    if state.stage is Stage.NEW and ctx.found_council is not None:
        return _start(state, intent, ctx)  # the channel names the council: join at once
    if isinstance(intent, Command) and intent.name != "start":
        return _set_up_first(state, intent, ctx, known)
    if state.stage is Stage.NEW or (isinstance(intent, Command) and intent.name == "start"):
        return _start(state, intent, ctx)
    if state.stage is Stage.CHOOSING_COUNCIL:
        if isinstance(intent, Press) and intent.payload == payloads.JOIN_CODE:
            return say(state, text(t.ask_join_code), awaiting=Awaiting.JOIN_CODE)
        if ctx.found_council is not None:
            return _joined(state, ctx)
        if isinstance(intent, Text):
            unknown = t.unknown_join_code.format(code=literal(intent.text.split()[0]))
            return say(state, _council_question(ctx, unknown))
        return say(state, _council_question(ctx, t.ask_council))
    return _choose_time(state, intent, ctx)


def _set_up_first(state: LearnerState, command: Command, ctx: Context, known: bool) -> Decision:
    """A command that needs a council: say so, then ask this stage's question again."""
    t = ctx.texts
    name = literal(command.name)
    if known:
        first = text(t.set_up_first.format(name=name))
    else:
        first = text(t.unknown_command.format(name=name))
    if state.stage is Stage.CHOOSING_TIME:
        return say(state, first, text(t.ask_time, *time_choices()))
    if state.stage is Stage.NEW:
        welcome = say(state, text(t.welcome), stage=Stage.CHOOSING_COUNCIL)
        return welcome.then(say(welcome.state, first, _council_question(ctx, t.ask_council)))
    return say(state, first, _council_question(ctx, t.ask_council), awaiting=Awaiting.NOTHING)


def _start(state: LearnerState, intent: Intent, ctx: Context) -> Decision:
    t = ctx.texts
    welcome = text(t.welcome)
    if ctx.found_council is not None:
        return Decision(state, (welcome,)).then(_joined(state, ctx))
    moved = say(state, welcome, stage=Stage.CHOOSING_COUNCIL, awaiting=Awaiting.NOTHING)
    if isinstance(intent, Command) and intent.args:
        unknown = t.unknown_join_code.format(code=literal(intent.args.split()[0]))
        return moved.then(say(moved.state, _council_question(ctx, unknown)))
    return moved.then(say(moved.state, _council_question(ctx, t.ask_council)))


def _council_question(ctx: Context, prompt: str) -> Outbound:
    t = ctx.texts
    return text(
        prompt,
        Choice(payloads.JOIN_DEMO, t.demo_council_button),
        Choice(payloads.JOIN_CODE, t.join_code_button),
    )


def _joined(state: LearnerState, ctx: Context) -> Decision:
    assert ctx.found_council is not None
    t = ctx.texts
    found = ctx.found_join
    joined = t.joined.format(council=ctx.found_council.name)
    if found is not None and found.team_name:  # a team's code (see flows.team)
        joined = t.joined_team.format(council=ctx.found_council.name, team=found.team_name)
    decided = say(
        state,
        text(joined),
        text(t.ask_time, *time_choices()),
        council_id=ctx.found_council.id,
        stage=Stage.CHOOSING_TIME,
        awaiting=Awaiting.LEARNING_TIME,
    )
    return replace(decided, effects=join_effects(found))


def _choose_time(state: LearnerState, intent: Intent, ctx: Context) -> Decision:
    t = ctx.texts
    chosen: str | None = None
    if isinstance(intent, Press):
        picked = payloads.read_payload(intent.payload)
        if isinstance(picked, payloads.PickTime):
            chosen = picked.time
    elif isinstance(intent, Text):
        chosen = parse_time(intent.text)
    if chosen is None:
        return say(state, text(t.bad_time, *time_choices()))
    days = describe_days(state.working_days, t)
    done = t.onboarded.format(time=chosen, days=days)
    if (note := bite_time_note(state, chosen, ctx)) is not None:
        done = f"{done} {note}"
    return say(
        state,
        text(done, Choice(payloads.NEXT, t.first_bite_button)),
        learning_time=chosen,
        stage=Stage.ACTIVE,
        awaiting=Awaiting.NOTHING,
    )
