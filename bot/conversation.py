"""Route an intent, once, to the flow that handles it. Pure: no I/O, no clock, no randomness.

`route` applies the rules every route shares (onboarding comes first, /stop holds back
what is not marked to run while stopped, a payload the bot never made is forged) to the
tables of `bot.routes`. The service loads what the route it returns declares
(`Route.needs`) and runs its flow; nothing else looks at the intent again.
"""

from __future__ import annotations

from bot import payloads
from bot.decision import Context, Decision, Needs, say, text
from bot.flows import learning, onboarding
from bot.flows.account import save_days, save_time
from bot.intents import Command, Empty, Intent, Press, Text
from bot.messages import Choice
from bot.ports import NOTHING_ALONG, ReadAlong
from bot.routes import BUTTON_FAMILIES, COMMANDS, Route, bind, payload_route
from bot.schedule_words import parse_days
from bot.state import Awaiting, LearnerState, Stage
from lessons.model import Curriculum


def route(
    state: LearnerState, intent: Intent, curriculum: Curriculum, council_hint: str | None = None
) -> Route:
    """Where an intent goes for the learner as they are, and what the flow there reads.
    `council_hint` is a council the channel names (a Teams tenant's), for onboarding."""
    if isinstance(intent, Command):
        return _command(state, intent, curriculum, council_hint)
    if isinstance(intent, Press):
        return _press(state, intent, curriculum, council_hint)
    if state.stage is not Stage.ACTIVE:
        return _onboarding(state, intent, council_hint)
    if state.paused:
        return Route(_paused)
    if isinstance(intent, Text):
        return _typed(state, intent)
    assert isinstance(intent, Empty)
    return Route(_empty)


def read_along(intent: Intent) -> ReadAlong:
    """What the store reads with the learner, in the same query (worked out before the
    learner is loaded): a quiz answer's FSRS card; a round button's round, with the card
    of the item answered."""
    if not isinstance(intent, Press):
        return NOTHING_ALONG
    picked = payloads.read_payload(intent.payload)
    if isinstance(picked, payloads.Answer):
        return ReadAlong(card_question=picked.question_id)
    round_id = payloads.round_named(picked)
    if round_id is None:
        return NOTHING_ALONG
    item = picked.item if isinstance(picked, payloads.RefresherAnswer) else None
    return ReadAlong(round_id=round_id, round_item=item)


def _command(
    state: LearnerState, command: Command, curriculum: Curriculum, council_hint: str | None
) -> Route:
    entry = COMMANDS.get(command.name)
    if state.stage is not Stage.ACTIVE and (entry is None or not entry.before_joining):
        return _onboarding(state, command, council_hint, known=entry is not None)
    if entry is None:
        return _unless_paused(state, Route(bind(_unknown_command, command.name)))
    return _unless_paused(state, entry.route(state, command, curriculum))


def _press(
    state: LearnerState, press: Press, curriculum: Curriculum, council_hint: str | None
) -> Route:
    own = next(
        (way for family in BUTTON_FAMILIES if (way := family.route(press.payload)) is not None),
        None,
    )
    if state.stage is not Stage.ACTIVE:
        return own if own and own.before_joining else _onboarding(state, press, council_hint)
    if own is not None:
        return _unless_paused(state, own)
    picked = payloads.read_payload(press.payload)
    if picked is None:
        return Route(_forged)
    way = payload_route(state, press, picked, curriculum)
    return _unless_paused(state, way or Route(_stale))


def _unless_paused(state: LearnerState, way: Route) -> Route:
    """After /stop, only routes marked to run while stopped run (the rest say so)."""
    return Route(_paused) if state.paused and not way.while_paused else way


def _onboarding(
    state: LearnerState, intent: Intent, council_hint: str | None, known: bool = True
) -> Route:
    """Someone not yet set up: onboarding, with the join code it will look at."""

    def flow(state: LearnerState, ctx: Context) -> Decision:
        return onboarding.handle(state, intent, ctx, known)

    return Route(flow, Needs(join_code=onboarding.join_code_wanted(state, intent, council_hint)))


def _typed(state: LearnerState, typed: Text) -> Route:
    """Free text: the answer to what the bot asked, if it asked; else a way on."""
    if state.awaiting is Awaiting.LEARNING_TIME:
        return Route(bind(save_time, typed.text))
    if state.awaiting is Awaiting.WORKING_DAYS:
        return Route(bind(save_days, parse_days(typed.text)))
    return Route(_not_understood)


def _not_understood(state: LearnerState, ctx: Context) -> Decision:
    again = learning.question_reply(state, ctx) if state.pending_question else None
    if again is not None:  # typed instead of choosing: the question again
        return say(state, text(ctx.texts.pick_an_answer), again)
    return say(state, text(ctx.texts.not_understood))


def _paused(state: LearnerState, ctx: Context) -> Decision:
    resume = Choice(payloads.RESUME, ctx.texts.resume_button)
    return say(state, text(ctx.texts.paused_reply, resume))


def _unknown_command(state: LearnerState, name: str, ctx: Context) -> Decision:
    return say(state, text(ctx.texts.unknown_command.format(name=name)))


def _forged(state: LearnerState, ctx: Context) -> Decision:
    return say(state, text(ctx.texts.forged_button))


def _stale(state: LearnerState, ctx: Context) -> Decision:
    return say(state, text(ctx.texts.stale_button))  # onboarding buttons after onboarding


def _empty(state: LearnerState, ctx: Context) -> Decision:
    return say(state, text(ctx.texts.empty))
