"""The App Home tab: an officer's progress at a glance, and a button to continue.

The numbers are the bot's (`bot.home`, from facts read through `bot.ports.HomeFactsReader`);
`home_view` turns them into the Block Kit view, and `AppHome` publishes it with
`views.publish` when the tab opens and after each answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import BackgroundWork, in_thread
from adapters.slack.convert import ACTION_PREFIX, escape
from adapters.slack.texts import SlackTexts
from bot import payloads
from bot.home import HomeSummary


class AppHome:
    """Publishes an officer's App Home when the tab opens (and, through `publish`, after
    each answer)."""

    def __init__(
        self, read_home: Callable[[str], HomeSummary], work: BackgroundWork, texts: SlackTexts
    ) -> None:
        self._read_home = read_home
        self._work = work
        self._texts = texts

    def register(self, app: AsyncApp) -> None:
        """Listen for the App Home opening."""
        app.event("app_home_opened")(self.on_opened)

    async def on_opened(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The home tab opened (not the messages tab): publish the officer's numbers."""
        event = body.get("event") or {}
        if event.get("tab") == "home" and event.get("user"):
            user = str(event["user"])
            self._work.spawn(user, self.publish(client, user))

    async def publish(self, client: AsyncWebClient, user: str) -> None:
        """Read the officer's numbers (in a thread: database I/O) and publish the view."""
        summary: HomeSummary = await in_thread(self._read_home, user)
        await client.views_publish(user_id=user, view=home_view(summary, self._texts))


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
