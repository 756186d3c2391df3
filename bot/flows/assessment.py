"""The capability self-assessment in chat (/assess).

For each NAO area the learner's council uses, the learner picks the statement that fits
today (Minimum … Innovator) and a target level. Each area's answer is stored as soon as the
target is picked (an effect), so leaving half way loses nothing: /assess carries on at the
first area not yet answered. The buttons carry the whole step (area, level, and whether this
is a first pass or a retake), so they still work after a restart. At the end: a summary and
the modules that close the gaps, the officer's personal path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import payloads
from bot.decision import Context, Decision, say, text
from bot.messages import Choice, Outbound
from bot.records import AssessmentFacts, RecordAssessment
from bot.state import LearnerState
from lessons.maturity import LEVEL_NAMES, level_name

START = "sa:go"
RETAKE = "sa:again"
SHOWN_MODULES = 6  # the path lists this many modules, then "and N more"
_LEVEL = re.compile(r"^sa:l:([na]):([1-9]|1[01]):([1-5])$")
_TARGET = re.compile(r"^sa:t:([na]):([1-9]|1[01]):([1-5]):([1-5])$")


@dataclass(frozen=True)
class Pick:
    """A pressed assessment button: the level for an area, and the target if chosen.
    `retake` walks every area in order; otherwise only the unanswered ones."""

    retake: bool
    area: int
    level: int
    target: int | None = None


def read_press(raw: str) -> Pick | str | None:
    """An assessment button: a Pick, START or RETAKE; None if not one of ours."""
    if raw in (START, RETAKE):
        return raw
    if match := _LEVEL.match(raw):
        return Pick(match.group(1) == "a", int(match.group(2)), int(match.group(3)))
    if match := _TARGET.match(raw):
        area, level, target = (int(match.group(n)) for n in (2, 3, 4))
        if target < level:
            return None
        return Pick(match.group(1) == "a", area, level, target)
    return None


def start(state: LearnerState, ctx: Context) -> Decision:
    """/assess: begin, carry on where the learner stopped, or show the finished result."""
    facts = ctx.assessment
    if facts is None or not facts.areas:
        return say(state, text(ctx.texts.assess_unavailable))
    unanswered = [area for area in facts.areas if area not in facts.answers]
    if not unanswered:
        return say(state, _summary(facts, dict(facts.answers), ctx))
    if len(unanswered) == len(facts.areas):
        intro = text(ctx.texts.assess_intro.format(count=len(facts.areas)))
    else:
        done = len(facts.areas) - len(unanswered)
        intro = text(ctx.texts.assess_resume.format(done=done, count=len(facts.areas)))
    return say(state, intro, _ask_level(facts, unanswered[0], retake=False, ctx=ctx))


def press(state: LearnerState, picked: Pick | str, ctx: Context) -> Decision:
    """One of the assessment's buttons."""
    facts = ctx.assessment
    if facts is None or not facts.areas:
        return say(state, text(ctx.texts.assess_unavailable))
    if picked == START:
        return start(state, ctx)
    if picked == RETAKE:
        intro = text(ctx.texts.assess_intro.format(count=len(facts.areas)))
        return say(state, intro, _ask_level(facts, facts.areas[0], retake=True, ctx=ctx))
    assert isinstance(picked, Pick)
    if picked.area not in facts.areas or ctx.council is None:
        return say(state, text(ctx.texts.stale_button))
    if picked.target is None:
        return say(state, _ask_target(picked, ctx))
    answers = {**facts.answers, picked.area: (picked.level, picked.target)}
    effect = RecordAssessment(ctx.council.id, picked.area, picked.level, picked.target)
    upcoming = _next_area(facts, picked, answers)
    reply = (
        _ask_level(facts, upcoming, picked.retake, ctx)
        if upcoming is not None
        else _summary(facts, answers, ctx)
    )
    return Decision(state, (reply,), effects=(effect,))


def _next_area(
    facts: AssessmentFacts, picked: Pick, answers: dict[int, tuple[int, int]]
) -> int | None:
    later = [area for area in facts.areas if area > picked.area]
    if picked.retake:
        return later[0] if later else None
    return next((area for area in facts.areas if area not in answers), None)


def _ask_level(facts: AssessmentFacts, area: int, retake: bool, ctx: Context) -> Outbound:
    t = ctx.texts
    found = facts.model.area(area)
    assert found is not None
    statements = "\n".join(
        t.assess_statement.format(level=name, statement=found.statement(number))
        for number, name in enumerate(LEVEL_NAMES, 1)
    )
    body = t.assess_area.format(
        area=area,
        title=found.title,
        number=facts.areas.index(area) + 1,
        count=len(facts.areas),
        statements=statements,
    )
    mode = "a" if retake else "n"
    buttons = [
        Choice(f"sa:l:{mode}:{area}:{number}", name) for number, name in enumerate(LEVEL_NAMES, 1)
    ]
    return text(body, *buttons)


def _ask_target(picked: Pick, ctx: Context) -> Outbound:
    t = ctx.texts
    mode = "a" if picked.retake else "n"
    buttons = [
        Choice(
            f"sa:t:{mode}:{picked.area}:{picked.level}:{target}",
            t.assess_stay_button.format(level=level_name(target))
            if target == picked.level
            else level_name(target),
        )
        for target in range(picked.level, len(LEVEL_NAMES) + 1)
    ]
    return text(t.assess_ask_target.format(level=level_name(picked.level)), *buttons)


def _summary(facts: AssessmentFacts, answers: dict[int, tuple[int, int]], ctx: Context) -> Outbound:
    t = ctx.texts
    lines = [t.assess_summary_title]
    for area in facts.areas:
        found = facts.model.area(area)
        if found is None or area not in answers:
            continue
        level, target = answers[area]
        template = t.assess_summary_line if target > level else t.assess_summary_at_target
        lines.append(
            template.format(area=found.title, level=level_name(level), target=level_name(target))
        )
    lines.append("")
    lines += _path_lines(facts, answers, ctx)
    buttons = (
        Choice(payloads.NEXT, t.continue_button),
        Choice(RETAKE, t.assess_again_button),
    )
    return text("\n".join(lines), *buttons)


def _path_lines(
    facts: AssessmentFacts, answers: dict[int, tuple[int, int]], ctx: Context
) -> list[str]:
    t = ctx.texts
    in_areas = {area: answer for area, answer in answers.items() if area in facts.areas}
    if all(target <= level for level, target in in_areas.values()):
        return [t.assess_no_gaps]
    done = {m for m, p in ctx.progress.items() if p.completed_at is not None}
    titles = [
        module.title
        for module_id in facts.model.recommend(in_areas, done)
        if (module := ctx.curriculum.module(module_id)) is not None
    ]
    if not titles:
        return [t.assess_path_done]
    lines = [t.assess_path]
    lines += [t.assess_path_line.format(title=title) for title in titles[:SHOWN_MODULES]]
    if len(titles) > SHOWN_MODULES:
        lines.append(t.assess_path_more.format(count=len(titles) - SHOWN_MODULES))
    return lines
