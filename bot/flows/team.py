"""Teams in chat: joining a team with its code, and a manager's `/team` report and nudges.

`/team` is for managers only: who is on track, behind or stuck, and the team's weakest
topics, in plain sentences (screen-reader friendly, no tables). Its buttons nudge one
person or everyone behind or stuck; a nudge is a delivery row the dispatcher sends in the
learner's working hours, at most one a learner a day. Nudges never mention scores.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.access import can_see_team_report
from bot.decision import Context, Decision, say, text
from bot.messages import Choice
from bot.people import JoinTarget, MemberFacts, MemberStanding, Standing, standings
from bot.people import weakest_topics as weakest
from bot.ports import record_id
from bot.state import LearnerState

if TYPE_CHECKING:  # bot.effects imports the flows
    from bot.effects import FlowEffect

NUDGE_BEHIND = "nudge:behind"
_NUDGE_ONE = re.compile(r"^nudge:([1-9][0-9]{0,9})$")
MAX_NUDGE_BUTTONS = 5  # one button per person behind or stuck, up to this many


@dataclass(frozen=True)
class NudgeTarget:
    """Who a pressed nudge button names: one learner, or None for everyone behind."""

    learner_id: int | None


@dataclass(frozen=True)
class JoinWithCode:
    """Effect: put the learner in the team a code names, or give them the record a roster
    import pre-registered for them (see storage.people.join_with_code)."""

    council_id: int
    team_id: int | None
    invitee_id: int | None


@dataclass(frozen=True)
class QueueNudges:
    """Effect: queue a manager's nudge for these learners, one a learner a day."""

    learner_ids: tuple[int, ...]
    day: dt.date  # the manager's local date: the key that caps nudges at one a day


def nudge_payload(learner_id: int) -> str:
    """The payload of a button nudging one learner."""
    return f"nudge:{learner_id}"


def read_nudge(raw: str) -> NudgeTarget | None:
    """A nudge button's target; None if the payload is not a nudge button."""
    if raw == NUDGE_BEHIND:
        return NudgeTarget(None)
    if (match := _NUDGE_ONE.match(raw)) and (learner_id := record_id(match.group(1))):
        return NudgeTarget(learner_id)
    return None


def join_effects(found: JoinTarget | None) -> tuple[JoinWithCode, ...]:
    """The effect that records a team or a claimed roster record, if the code named one."""
    if found is None or (found.team_id is None and found.invitee_id is None):
        return ()
    return (JoinWithCode(found.council_id, found.team_id, found.invitee_id),)


def switch_team(state: LearnerState, ctx: Context) -> Decision | None:
    """`/start CODE` from an onboarded learner: a team code of their own council moves
    them into that team; None when the code names no team of their council."""
    found = ctx.found_join
    if state.paused or found is None or found.council_id != state.council_id or not found.team_name:
        return None
    reply = text(ctx.texts.team_switched.format(team=found.team_name))
    return Decision(state, (reply,), effects=join_effects(found))


def show(state: LearnerState, ctx: Context) -> Decision:
    """The manager's team report, or a polite refusal for anyone else."""
    t = ctx.texts
    if not can_see_team_report(ctx.actor) or ctx.team is None:
        return say(state, text(t.team_not_manager))
    if not ctx.team.members:
        return say(state, text(t.team_empty))
    ranked = _standings(ctx)
    lines: list[str] = []
    for team_name in dict.fromkeys(s.member.team_name for s in ranked):
        members = [s for s in ranked if s.member.team_name == team_name]
        lines += _team_lines(team_name, members, ctx)
    lines += _topic_lines(ctx)
    lines += _misconception_lines(ctx)
    chased = _chased(state, ranked)
    choices: list[Choice] = []
    if chased:
        choices.append(Choice(NUDGE_BEHIND, t.nudge_all_button))
        choices += [
            Choice(
                nudge_payload(s.member.learner_id), t.nudge_one_button.format(name=_name(s, ctx))
            )
            for s in chased[:MAX_NUDGE_BUTTONS]
        ]
    return say(state, text("\n".join(lines), *choices))


def nudge(state: LearnerState, target: NudgeTarget, ctx: Context) -> Decision:
    """Queue nudges for one team member or everyone behind or stuck; say how many."""
    t = ctx.texts
    if not can_see_team_report(ctx.actor) or ctx.team is None:
        return say(state, text(t.team_not_manager))
    ranked = _standings(ctx)
    if target.learner_id is None:
        chosen = _chased(state, ranked)
        if not chosen:
            return say(state, text(t.nudge_nobody_behind))
    else:
        chosen = [s for s in ranked if s.member.learner_id == target.learner_id]
        if not chosen:
            return say(state, text(t.nudge_not_in_team))
    fresh = [s for s in chosen if not s.member.nudged_today]
    already = [_name(s, ctx) for s in chosen if s.member.nudged_today]
    count = len(fresh)
    people = t.person_one if count == 1 else t.person_many
    lines = [t.nudge_queued.format(count=count, people=people)]
    if already:
        lines.append(t.nudge_already.format(names=_join(already, ctx)))
    effects: tuple[FlowEffect, ...] = ()
    if fresh:
        effects = (QueueNudges(tuple(s.member.learner_id for s in fresh), ctx.local_today),)
    return Decision(state, (text(" ".join(lines)),), effects=effects)


def _chased(state: LearnerState, ranked: tuple[MemberStanding, ...]) -> list[MemberStanding]:
    """Who the nudge buttons are for: those behind or stuck, but not the manager, who is
    counted in their own team yet does not nudge themself."""
    return [
        s
        for s in ranked
        if s.standing in (Standing.BEHIND, Standing.STUCK)
        and s.member.learner_id != state.learner_id
    ]


def _standings(ctx: Context) -> tuple[MemberStanding, ...]:
    assert ctx.team is not None
    return standings(ctx.team, ctx.now, len(ctx.curriculum.modules))


def _team_lines(team_name: str, members: list[MemberStanding], ctx: Context) -> list[str]:
    t = ctx.texts
    people = t.person_one if len(members) == 1 else t.person_many
    lines = [t.team_heading.format(team=team_name, count=len(members), people=people)]
    groups = {standing: [s for s in members if s.standing is standing] for standing in Standing}
    if groups[Standing.ON_TRACK]:
        names = _join([_name(s, ctx) for s in groups[Standing.ON_TRACK]], ctx)
        lines.append(t.team_on_track.format(count=len(groups[Standing.ON_TRACK]), names=names))
    if groups[Standing.BEHIND]:
        lines.append(t.team_behind_heading.format(count=len(groups[Standing.BEHIND])))
        lines += [
            t.team_behind_line.format(name=_name(s, ctx), days=s.days)
            for s in groups[Standing.BEHIND]
        ]
    if groups[Standing.STUCK]:
        lines.append(t.team_stuck_heading.format(count=len(groups[Standing.STUCK])))
        lines += [
            t.team_stuck_line.format(name=_name(s, ctx), module=_module(s.member, ctx), days=s.days)
            for s in groups[Standing.STUCK]
        ]
    for standing, template in (
        (Standing.AWAY, t.team_away),
        (Standing.NOT_JOINED, t.team_not_joined),
    ):
        if groups[standing]:
            names = _join([_name(s, ctx) for s in groups[standing]], ctx)
            lines.append(template.format(count=len(groups[standing]), names=names))
    return lines


def _topic_lines(ctx: Context) -> list[str]:
    assert ctx.team is not None
    t = ctx.texts
    topics = weakest(ctx.team, ctx.curriculum, ctx.now)
    if not topics:
        return [t.team_no_topics]
    return [t.team_topics_heading] + [
        t.team_topic_line.format(
            title=topic.title, percent=round(topic.recall * 100), cards=topic.cards
        )
        for topic in topics
    ]


def _misconception_lines(ctx: Context) -> list[str]:
    """Questions answered wrong without "I guessed": worth a word in a team meeting."""
    assert ctx.team is not None
    t = ctx.texts
    lines = []
    for question_id, people in ctx.team.misconceptions:
        found = ctx.curriculum.find_question(question_id)
        if found is None:
            continue
        module, question = found
        stem = question.stem if len(question.stem) <= 90 else question.stem[:87] + "..."
        word = t.person_word if people == 1 else t.people_word
        lines.append(
            t.team_misconception_line.format(
                stem=stem, title=module.title, count=people, people=word
            )
        )
    return [t.team_misconceptions_heading, *lines] if lines else []


def _name(standing: MemberStanding, ctx: Context) -> str:
    member = standing.member
    return member.name or ctx.texts.team_unnamed.format(id=member.learner_id)


def _module(member: MemberFacts, ctx: Context) -> str:
    module = ctx.curriculum.module(member.module_id) if member.module_id else None
    return module.title if module else ctx.texts.team_unknown_module


def _join(names: list[str], ctx: Context) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ctx.texts.list_and + names[-1]
