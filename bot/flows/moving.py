"""Moving council with a join code, once set up (`/start CODE`).

From the demo council the move happens at once: trying the demo first is what the welcome
invites. Between two real councils the learner confirms first, because their new council
will see their learning and their old one will not. Progress (modules, answers, refresher
cards) belongs to the learner, so it always moves with them; team and roster records stay
with the old council.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot import payloads
from bot.decision import Context, Decision, Needs, say, text
from bot.flows.account import resume
from bot.flows.team import join_effects, switch_team
from bot.intents import Command, Intent
from bot.messages import Choice, literal
from bot.schedule_words import describe_days
from bot.state import LearnerState
from lessons.model import Curriculum

if TYPE_CHECKING:  # bot.effects imports the flows
    from bot.effects import FlowEffect

DEMO_COUNCIL = "demo"  # the demo council's code (app.wiring creates it)


@dataclass(frozen=True)
class LeaveCouncil:
    """Effect: the learner leaves their council's team before joining another council."""

    council_id: int


def start_needs(_state: LearnerState, intent: Intent, _curriculum: Curriculum) -> Needs:
    """What `/start` reads: the council (and team) its code names, if it has one."""
    code = intent.args.split()[0] if isinstance(intent, Command) and intent.args else None
    return Needs(join_code=code)


def start(state: LearnerState, args: str, ctx: Context) -> Decision:
    """`/start` from a learner who is set up: resume, or move with the code given."""
    code = args.split()[0] if args else None
    moved = start_with_code(state, code, ctx) if code else None
    return moved or resume(state, ctx)


def start_with_code(state: LearnerState, code: str, ctx: Context) -> Decision | None:
    """`/start CODE` from a learner who is set up; None when the code names their own
    council without a team, so the usual welcome back applies."""
    t = ctx.texts
    council = ctx.council.name if ctx.council else "-"
    found = ctx.found_council
    if found is None:
        return say(state, text(t.code_unusable.format(code=literal(code), council=council)))
    if found.id == state.council_id:
        return switch_team(state, ctx)
    if ctx.council is None or ctx.council.code == DEMO_COUNCIL:
        return move(state, code, ctx)
    confirm = payloads.move_payload(code)
    if confirm is None:  # not a code this service makes, so it cannot ride on a button
        return say(state, text(t.code_unusable.format(code=literal(code), council=council)))
    return say(
        state,
        text(
            t.confirm_move.format(old=council, new=found.name),
            Choice(confirm, t.move_button.format(new=found.name)),
            Choice(payloads.STAY, t.stay_button.format(old=council)),
        ),
    )


def move(state: LearnerState, code: str, ctx: Context) -> Decision:
    """Move the learner to the council (and team) the confirmed code names."""
    t = ctx.texts
    found, joined = ctx.found_council, ctx.found_join
    council = ctx.council.name if ctx.council else "-"
    if found is None:  # the code was changed or removed since the question was asked
        return say(state, text(t.code_unusable.format(code=literal(code), council=council)))
    if found.id == state.council_id:
        return say(state, text(t.already_in_council.format(council=council)))
    if joined is not None and joined.team_name:
        hello = t.joined_team.format(council=found.name, team=joined.team_name)
    else:
        hello = t.joined.format(council=found.name)
    left = t.left_council.format(
        old=council,
        time=state.learning_time or t.no_time,
        days=describe_days(state.working_days, t),
    )
    decided = say(
        state,
        text(f"{hello} {left}", Choice(payloads.NEXT, t.continue_button)),
        council_id=found.id,
    )
    effects: tuple[FlowEffect, ...] = (LeaveCouncil(state.council_id),) if state.council_id else ()
    return replace(decided, effects=effects + join_effects(joined))


def stay(state: LearnerState, ctx: Context) -> Decision:
    """The learner chose to keep their council."""
    t = ctx.texts
    council = ctx.council.name if ctx.council else "-"
    return say(
        state,
        text(t.stayed.format(old=council), Choice(payloads.NEXT, t.continue_button)),
    )
