"""The conversation's listeners: a DM, a button pressed (in the DM or on the App Home) and
the `/bites` command each become an Inbound for the bot, answered in the DM.

Each listener only acknowledges and hands the work to `BackgroundWork`, keyed by the
officer, so Slack has its answer within 3 seconds and one officer's turns run in order.
Re-deliveries are the bot's business: each Inbound carries Slack's event id (or the
interaction's trigger id) as `message_id`, and the bot ignores an id it has seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import BackgroundWork, in_thread
from adapters.slack.convert import (
    ACTION_ID,
    action_team,
    action_to_inbound,
    command_to_inbound,
    message_to_inbound,
)
from adapters.slack.deps import SlackDeps
from adapters.slack.replies import Replies, open_dm
from adapters.slack.texts import SlackTexts

COMMAND = "/bites"


class Listeners:
    """The bolt listeners of the conversation (bolt passes their arguments by name)."""

    def __init__(
        self, deps: SlackDeps, work: BackgroundWork, replies: Replies, texts: SlackTexts
    ) -> None:
        self._deps = deps
        self._work = work
        self._replies = replies
        self._texts = texts

    def register(self, app: AsyncApp) -> None:
        """Attach the listeners to the bolt app."""
        app.event("message")(self.on_message)
        app.action(ACTION_ID)(self.on_action)
        app.command(COMMAND)(self.on_command)

    async def _council(self, team_id: str) -> str | None:
        council: str | None = await in_thread(self._deps.council_for_team, team_id)
        return council

    async def on_message(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A DM from an officer."""
        event = body.get("event") or {}
        self._work.spawn(str(event.get("user", "")), self._message_turn(body, client))

    async def _message_turn(self, body: Mapping[str, Any], client: AsyncWebClient) -> None:
        council = await self._council(str(body.get("team_id", "")))
        inbound = message_to_inbound(body, self._deps.clock.now(), council)
        if inbound is not None:
            await self._replies.turn(client, inbound)

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A button pressed in the DM or on the App Home."""
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        self._work.spawn(user, self._action_turn(body, client, user))

    async def _action_turn(
        self, body: Mapping[str, Any], client: AsyncWebClient, user: str
    ) -> None:
        channel = (body.get("channel") or {}).get("id") or await open_dm(client, user)
        council = await self._council(action_team(body))
        inbound = action_to_inbound(body, str(channel), self._deps.clock.now(), council)
        if inbound is not None:
            await self._replies.turn(client, inbound, pressed=body)

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """`/bites …`, typed anywhere: answered in the DM."""
        await ack()
        user = str(body.get("user_id", ""))
        self._work.spawn(user, self._command_turn(body, client, respond, user))

    async def _command_turn(
        self, body: Mapping[str, Any], client: AsyncWebClient, respond: AsyncRespond, user: str
    ) -> None:
        channel = await open_dm(client, user)
        if channel != body.get("channel_id"):
            # Typed in a channel: learning stays in the DM; say so where they typed it.
            await respond(text=self._texts.answered_in_dm, response_type="ephemeral")
        council = await self._council(str(body.get("team_id", "")))
        inbound = command_to_inbound(body, channel, self._deps.clock.now(), council)
        await self._replies.turn(client, inbound)
