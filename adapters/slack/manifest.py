"""The Slack app manifest an admin pastes into api.slack.com to create the app."""

from __future__ import annotations

from typing import Any

from adapters.slack.bolt_app import BOT_SCOPES
from adapters.slack.listeners import COMMAND

BOT_EVENTS = ("app_home_opened", "app_uninstalled", "message.im", "tokens_revoked")
DESCRIPTION = "Short daily lessons in contract and relationship management for council officers."


def app_manifest(
    public_url: str | None, name: str = "Contract Bites", socket_mode: bool = False
) -> dict[str, Any]:
    """The manifest: bot scopes, events, the /bites command, interactivity and App Home.

    Over HTTP every request URL is `<public_url>/slack/events` and OAuth returns to
    `<public_url>/slack/oauth_redirect`; with Socket Mode there are no request URLs."""
    if not socket_mode and not public_url:
        raise ValueError("the public https address is needed (CB_PUBLIC_URL or --public-url)")
    base = (public_url or "").rstrip("/")
    events_url = f"{base}/slack/events"
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Your next bite, your progress, or help",
        "usage_hint": "next | progress | help",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if not socket_mode:
        command["url"] = events_url
        events["request_url"] = events_url
        interactivity["request_url"] = events_url
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": DESCRIPTION,
            "background_color": "#1d4f6e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
