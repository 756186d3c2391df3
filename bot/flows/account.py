"""The learner's own affairs: progress, settings, pausing, help and the glossary."""

from __future__ import annotations

import datetime as dt

from bot import access, payloads
from bot.decision import Context, Decision, say, text
from bot.flows.bite_time import bite_time, bite_time_note
from bot.flows.learning import next_module
from bot.flows.onboarding import time_choices
from bot.flows.proactive import pacing_of
from bot.messages import Choice, literal
from bot.schedule_words import describe_date, describe_days, parse_date, parse_time
from bot.state import Awaiting, LearnerState, ModuleStatus
from scheduler.pacing import DEFAULT_WORKING_DAYS, leave_end

DAY_PRESETS: tuple[tuple[str, ...], ...] = (
    DEFAULT_WORKING_DAYS,
    ("mon", "tue", "wed", "thu"),
    ("tue", "wed", "thu", "fri"),
)


def help_reply(state: LearnerState, ctx: Context) -> Decision:
    """What the bot can do, with the commands of the learner's roles."""
    t = ctx.texts
    parts = [t.help]
    if access.can_see_team_report(ctx.actor):
        parts.append(t.help_manager)
    elif access.can_open_dashboard(ctx.actor):
        parts.append(t.help_admin)
    return say(state, text("\n\n".join(parts), Choice(payloads.NEXT, t.continue_button)))


def progress(state: LearnerState, ctx: Context) -> Decision:
    """Modules done with scores, the one in progress, and what comes next."""
    t = ctx.texts
    modules = ctx.curriculum.modules
    done = [
        (m, p)
        for m in modules
        if (p := ctx.progress.get(m.id)) is not None and p.status is ModuleStatus.COMPLETED
    ]
    lines = [t.progress_title.format(done=len(done), count=len(modules))]
    if done:
        lines.append(t.progress_done_heading)
        lines += [
            t.progress_done_line.format(title=m.title, score=p.score, total=p.total)
            for m, p in done
        ]
    current = ctx.curriculum.module(state.module_id) if state.module_id else None
    if current is not None:
        lines.append(t.progress_in_progress_heading)
        lines.append(
            t.progress_in_progress_line.format(title=current.title, where=_where(state, ctx))
        )
    upcoming = next_module(ctx, after=current.id if current else None)
    if upcoming is not None and (current is None or upcoming.id != current.id):
        lines.append(t.progress_next.format(title=upcoming.title))
    if not done and current is None:
        lines.append(t.progress_nothing_yet)
    buttons = (Choice(payloads.NEXT, t.continue_button),) if upcoming or current else ()
    return say(state, text("\n".join(lines), *buttons))


def _where(state: LearnerState, ctx: Context) -> str:
    t = ctx.texts
    module = ctx.curriculum.module(state.module_id or "")
    assert module is not None
    cards = len(module.cards)
    if state.pending_question is not None or state.cursor > cards:
        index = state.cursor - cards + 1
        return t.progress_where_question.format(number=index, count=len(module.questions))
    return t.progress_where_card.format(number=max(state.cursor, 1), count=cards)


def settings(state: LearnerState, ctx: Context) -> Decision:
    """Show the learner's council, learning time, working days, leave and whether messages
    are stopped, with buttons to change them."""
    t = ctx.texts
    shown_time = state.learning_time or t.no_time
    if state.learning_time is not None:
        actual = bite_time(state, state.learning_time, ctx)
        if actual != state.learning_time:
            shown_time = t.settings_time_moved.format(time=state.learning_time, actual=actual)
    lines = [
        t.settings.format(
            council=ctx.council.name if ctx.council else "-",
            time=shown_time,
            days=describe_days(state.working_days, t),
        )
    ]
    choices = [
        Choice(payloads.SETTINGS_TIME, t.change_time_button),
        Choice(payloads.SETTINGS_DAYS, t.change_days_button),
    ]
    if (until := leave_until(state, ctx)) is not None:
        lines.append(t.settings_leave.format(date=describe_date(until)))
        choices.append(Choice(payloads.END_LEAVE, t.end_leave_button))
    if state.paused:
        lines.append(t.settings_paused)
    return say(state, text("\n".join(lines), *choices), awaiting=Awaiting.NOTHING)


def leave_until(state: LearnerState, ctx: Context) -> dt.date | None:
    """The last day of the learner's leave, if they are on leave today or will be."""
    return leave_end(pacing_of(state, ctx.council), ctx.local_today)


def ask_time(state: LearnerState, ctx: Context) -> Decision:
    """Ask for a new learning time."""
    return say(state, text(ctx.texts.ask_time, *time_choices()), awaiting=Awaiting.LEARNING_TIME)


def ask_days(state: LearnerState, ctx: Context) -> Decision:
    """Ask for new working days."""
    return say(state, text(ctx.texts.ask_days, *_day_choices(ctx)), awaiting=Awaiting.WORKING_DAYS)


def pick_time(state: LearnerState, chosen: str, ctx: Context) -> Decision:
    """A learning-time button: saved while the bot asks for a time, stale otherwise."""
    if state.awaiting is not Awaiting.LEARNING_TIME:
        return say(state, text(ctx.texts.stale_button))
    return save_time(state, chosen, ctx)


def pick_days(state: LearnerState, days: tuple[str, ...], ctx: Context) -> Decision:
    """A working-days button: saved while the bot asks for days, stale otherwise."""
    if state.awaiting is not Awaiting.WORKING_DAYS:
        return say(state, text(ctx.texts.stale_button))
    return save_days(state, days, ctx)


def save_time(state: LearnerState, raw: str | None, ctx: Context) -> Decision:
    """Store a learning time given by button (HH:MM) or typed text."""
    chosen = parse_time(raw) if raw is not None else None
    if chosen is None:
        return say(state, text(ctx.texts.bad_time, *time_choices()))
    saved = ctx.texts.time_saved.format(time=chosen)
    if (note := bite_time_note(state, chosen, ctx)) is not None:
        saved = f"{saved} {note}"
    return say(
        state,
        text(saved),
        learning_time=chosen,
        awaiting=Awaiting.NOTHING,
    )


def _day_choices(ctx: Context) -> tuple[Choice, ...]:
    return tuple(
        Choice(payloads.days_payload(days), describe_days(days, ctx.texts)) for days in DAY_PRESETS
    )


def save_days(state: LearnerState, days: tuple[str, ...] | None, ctx: Context) -> Decision:
    """Store working days given by button or typed (None: the typed text was not days)."""
    if not days:
        return say(state, text(ctx.texts.bad_days, *_day_choices(ctx)))
    described = describe_days(days, ctx.texts)
    return say(
        state,
        text(ctx.texts.days_saved.format(days=described)),
        working_days=days,
        awaiting=Awaiting.NOTHING,
    )


def stop(state: LearnerState, ctx: Context) -> Decision:
    """Pause: nothing is sent until the learner resumes."""
    return say(state, text(ctx.texts.stopped), paused=True, awaiting=Awaiting.NOTHING)


MAX_LEAVE = dt.timedelta(days=366)


def pause(state: LearnerState, raw: str, ctx: Context) -> Decision:
    """Annual leave: nothing is sent from today until the given date (inclusive)."""
    t = ctx.texts
    if not raw.strip():
        return say(state, text(t.pause_usage))
    today = ctx.local_today
    until = parse_date(raw, today)
    if until is None or until < today:
        return say(state, text(t.pause_bad_date.format(text=literal(raw.strip()))))
    if until - today > MAX_LEAVE:
        return say(state, text(t.pause_too_long))
    return say(
        state,
        text(t.paused_until.format(date=describe_date(until))),
        away_from=today,
        away_until=until,
        awaiting=Awaiting.NOTHING,
    )


def resume(state: LearnerState, ctx: Context) -> Decision:
    """Resume after /stop or leave, or greet a returning learner."""
    t = ctx.texts
    continue_button = Choice(payloads.NEXT, t.continue_button)
    if state.paused:
        until = leave_until(state, ctx)
        if until is None:
            return say(state, text(t.resumed, continue_button), paused=False)
        # Stopped while on leave: running again, but leave still holds the bites back.
        still_away = t.resumed_on_leave.format(date=describe_date(until))
        end_button = Choice(payloads.END_LEAVE, t.end_leave_button)
        return say(state, text(still_away, end_button, continue_button), paused=False)
    if leave_until(state, ctx) is not None:
        return end_leave(state, ctx)
    days = describe_days(state.working_days, t)
    greeting = t.welcome_back.format(time=state.learning_time or t.no_time, days=days)
    return say(state, text(greeting, continue_button))


def end_leave(state: LearnerState, ctx: Context) -> Decision:
    """Back from leave early: bites start again from today."""
    t = ctx.texts
    continue_button = Choice(payloads.NEXT, t.continue_button)
    if leave_until(state, ctx) is None:
        return say(state, text(t.not_on_leave, continue_button))
    # Leave ends yesterday, so the planner shifts refreshers by the days away.
    yesterday = ctx.local_today - dt.timedelta(days=1)
    if state.away_from is not None and yesterday < state.away_from:
        return say(state, text(t.back_from_leave, continue_button), away_from=None, away_until=None)
    return say(state, text(t.back_from_leave, continue_button), away_until=yesterday)


def define(state: LearnerState, term: str, ctx: Context) -> Decision:
    """Answer /define TERM from the glossary."""
    t = ctx.texts
    wanted = term.strip().strip("?").casefold()
    if not wanted:
        return say(state, text(t.define_usage))
    for entry in ctx.curriculum.glossary:
        names = (entry.term, *entry.aliases)
        if any(name.casefold() == wanted for name in names):
            return say(
                state, text(t.definition.format(term=entry.term, definition=entry.definition))
            )
    return say(state, text(t.define_unknown.format(term=literal(term.strip()))))
