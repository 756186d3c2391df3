"""The App Home tab: an officer's progress at a glance, and a button to continue.

`read_home` gathers the numbers from the database (read-only); `home_view` turns them into
the Block Kit view for `views.publish`. The streak counts the learner's working days in a
row with at least one answer (quiz or refresher), ending today or, if nothing is answered
yet today, yesterday; days off neither break nor pad it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session, col, select

from adapters.slack.convert import ACTION_PREFIX, escape
from adapters.slack.texts import SlackTexts
from bot import payloads
from bot.decision import Context
from bot.flows.learning import next_module
from bot.state import ModuleStatus
from bot.texts import ENGLISH as BOT_ENGLISH
from lessons.model import Curriculum
from storage.store import SqlStore
from storage.tables import AnswerRow, Identity, Learner, Organisation, ReviewLogRow, SrsCard

DEFAULT_TIMEZONE = "Europe/London"
STREAK_LOOKBACK_DAYS = 400
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class HomeSummary:
    """What the App Home shows. `started` is False for someone the bot has not met."""

    started: bool
    council: str | None = None
    done: int = 0
    total: int = 0
    current_title: str | None = None
    next_title: str | None = None
    refreshers_due: int = 0
    streak: int = 0


def working_day_streak(
    answered_on: Iterable[dt.date], today: dt.date, working_days: tuple[str, ...]
) -> int:
    """Working days in a row with an answer, ending today (or yesterday if today has none
    yet). A day off with an answer counts; a day off without one is skipped."""
    days = set(answered_on)
    day = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    for _ in range(STREAK_LOOKBACK_DAYS):
        if day in days:
            streak += 1
        elif _WEEKDAYS[day.weekday()] in working_days:
            break
        day -= dt.timedelta(days=1)
    return streak


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _answer_days(session: Session, learner_id: int, since: dt.datetime) -> list[dt.datetime]:
    quiz = session.exec(
        select(AnswerRow.answered_at).where(
            AnswerRow.learner_id == learner_id, col(AnswerRow.answered_at) >= since
        )
    ).all()
    refreshers = session.exec(
        select(ReviewLogRow.reviewed_at).where(
            ReviewLogRow.learner_id == learner_id, col(ReviewLogRow.reviewed_at) >= since
        )
    ).all()
    return [*quiz, *refreshers]


def read_home(
    store: SqlStore, curriculum: Curriculum, platform: str, user_id: str, now: dt.datetime
) -> HomeSummary:
    """The App Home numbers for a platform user; `started=False` if the bot has not met
    them. Reads only: it never creates a learner."""
    with Session(store.engine) as session:
        identity = session.exec(
            select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        ).first()
        learner = session.get(Learner, identity.learner_id) if identity else None
        if learner is None or learner.id is None:
            return HomeSummary(started=False)
        org = session.get(Organisation, learner.org_id) if learner.org_id else None
        zone = _zone(learner.timezone or (org.timezone if org else None))
        since = now - dt.timedelta(days=STREAK_LOOKBACK_DAYS)
        days = {when.astimezone(zone).date() for when in _answer_days(session, learner.id, since)}
        due = session.exec(
            select(func.count())
            .select_from(SrsCard)
            .where(SrsCard.learner_id == learner.id, col(SrsCard.due) <= now)
        ).one()
    working_days = tuple(learner.working_days.split())
    streak = working_day_streak(days, now.astimezone(zone).date(), working_days)
    return _progress_summary(store, curriculum, learner, org, now, int(due), streak)


def _progress_summary(
    store: SqlStore,
    curriculum: Curriculum,
    learner: Learner,
    org: Organisation | None,
    now: dt.datetime,
    due: int,
    streak: int,
) -> HomeSummary:
    assert learner.id is not None
    with store.transaction() as tx:
        progress = tx.progress(learner.id)
    council_curriculum = curriculum.for_council(org.code if org else None)
    ctx = Context(curriculum=council_curriculum, texts=BOT_ENGLISH, now=now, progress=progress)
    modules = council_curriculum.modules
    done = sum(
        1
        for m in modules
        if (p := progress.get(m.id)) is not None and p.status is ModuleStatus.COMPLETED
    )
    current = council_curriculum.module(learner.module_id) if learner.module_id else None
    upcoming = next_module(ctx, after=current.id if current else None)
    return HomeSummary(
        started=True,
        council=org.name if org else None,
        done=done,
        total=len(modules),
        current_title=current.title if current else None,
        next_title=upcoming.title if upcoming else None,
        refreshers_due=due,
        streak=streak,
    )


def _text(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _button(label: str) -> dict[str, Any]:
    # The same payload as the bot's own Continue button: "the next thing", whatever it is.
    return {
        "type": "actions",
        "block_id": "cb-home-actions",
        "elements": [
            {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}0",
                "style": "primary",
                "text": {"type": "plain_text", "text": label, "emoji": False},
                "value": payloads.NEXT,
            }
        ],
    }


def _streak_line(streak: int, t: SlackTexts) -> str:
    if streak == 0:
        return t.home_streak_none
    return t.home_streak_one if streak == 1 else t.home_streak_days.format(days=streak)


def _progress_lines(summary: HomeSummary, t: SlackTexts) -> list[str]:
    lines = [t.home_modules.format(done=summary.done, count=summary.total)]
    if summary.current_title:
        lines.append(t.home_current.format(title=escape(summary.current_title)))
    if summary.next_title and summary.next_title != summary.current_title:
        lines.append(t.home_next.format(title=escape(summary.next_title)))
    elif not summary.current_title:
        lines.append(t.home_all_done)
    lines.append(t.home_refreshers.format(count=summary.refreshers_due))
    lines.append(_streak_line(summary.streak, t))
    return lines


def home_view(summary: HomeSummary, t: SlackTexts) -> dict[str, Any]:
    """The App Home view for views.publish."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": t.home_title}},
        _text(t.home_intro),
    ]
    if not summary.started:
        blocks += [_text(t.home_new), _button(t.home_start_button)]
    else:
        if summary.council:
            council = t.home_council.format(council=escape(summary.council))
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": council}]})
        blocks += [
            {"type": "divider"},
            _text("\n".join(_progress_lines(summary, t))),
            _button(t.home_continue_button),
        ]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t.home_help}]})
    return {"type": "home", "blocks": blocks}
