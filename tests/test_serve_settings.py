"""Wrong Slack, Teams or Telegram settings stop `bites serve` with one clear line each,
naming the variable to fix, before anything starts (issue 14, item 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app

FERNET = "u4e6l0bC3nLh2Gv0k3bq7v1dWmKc8tQm0cE0mXcJm1Y="  # 32 url-safe base64 bytes


@pytest.mark.parametrize(
    ("env", "lines"),
    [
        (
            {"CB_SLACK_SIGNING_SECRET": "s"},
            [
                "bites serve: CB_SLACK_SIGNING_SECRET is set: also set CB_SLACK_BOT_TOKEN (one "
                "workspace) or CB_SLACK_CLIENT_ID, CB_SLACK_CLIENT_SECRET and CB_SLACK_TOKEN_KEY "
                "(OAuth installs)"
            ],
        ),
        (
            {"CB_SLACK_SIGNING_SECRET": "s", "CB_SLACK_BOT_TOKEN": "xoxp-user-token"},
            [
                "bites serve: CB_SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, which "
                "starts with xoxb-"
            ],
        ),
        (
            {
                "CB_SLACK_SIGNING_SECRET": "s",
                "CB_SLACK_BOT_TOKEN": "xoxb-1",
                "CB_SLACK_APP_TOKEN": "xoxb-2",
            },
            [
                "bites serve: CB_SLACK_APP_TOKEN must be an app-level token (for Socket Mode), "
                "which starts with xapp-"
            ],
        ),
        (
            {
                "CB_SLACK_SIGNING_SECRET": "s",
                "CB_SLACK_CLIENT_ID": "1.2",
                "CB_SLACK_CLIENT_SECRET": "c",
                "CB_SLACK_TOKEN_KEY": "not-a-key",
            },
            [
                "bites serve: CB_SLACK_TOKEN_KEY: each key must be a Fernet key (32 url-safe "
                "base64 bytes; `bites slack token-key` makes one)"
            ],
        ),
        (
            {"CB_TEAMS_APP_ID": "my-bot", "CB_TEAMS_APP_PASSWORD": "p"},
            [
                "bites serve: CB_TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID like "
                "00000000-0000-0000-0000-000000000000"
            ],
        ),
        (
            {"CB_TEAMS_APP_ID": "00000000-0000-4000-8000-00000000b0b0"},
            [
                "bites serve: CB_TEAMS_APP_PASSWORD is missing: set the client secret of the "
                "bot's app registration (or CB_TEAMS_DEV_BYPASS=true on a development machine)"
            ],
        ),
        (
            {"CB_TELEGRAM_TOKEN": "my bot token", "CB_TELEGRAM_SECRET_TOKEN": "ok_1"},
            [
                "bites serve: CB_TELEGRAM_TOKEN must be the token BotFather gave, like "
                "123456789:AAE..."
            ],
        ),
        (
            {"CB_TELEGRAM_TOKEN": "123:abc"},
            [
                "bites serve: CB_TELEGRAM_SECRET_TOKEN is missing: the webhook needs one (1-256 of "
                "A-Z a-z 0-9 _ -), or run with --telegram-polling"
            ],
        ),
        (
            {"CB_TELEGRAM_TOKEN": "123:abc", "CB_TELEGRAM_SECRET_TOKEN": "a/b"},
            [
                "bites serve: CB_TELEGRAM_SECRET_TOKEN may hold only A-Z a-z 0-9 _ and -, up to "
                "256 characters"
            ],
        ),
    ],
)
def test_wrong_channel_settings_stop_serve_with_one_line_each(
    env: dict[str, str], lines: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file from the working tree
    for name in ("CB_SLACK_SIGNING_SECRET", "CB_TEAMS_APP_ID", "CB_TELEGRAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", **env}
    result = CliRunner().invoke(app, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == lines
    assert "Traceback" not in result.output
    assert not (tmp_path / "b.db").exists()  # stopped before touching anything


def test_good_channel_settings_have_no_problems() -> None:
    from app.channel_settings import channel_problems
    from app.settings import Settings

    settings = Settings(
        slack_signing_secret="s",  # type: ignore[arg-type]
        slack_client_id="1.2",
        slack_client_secret="c",  # type: ignore[arg-type]
        slack_token_key=FERNET,  # type: ignore[arg-type]
        teams_app_id="00000000-0000-4000-8000-00000000b0b0",
        teams_app_password="p",  # type: ignore[arg-type]
        telegram_token="123456:abc_DEF-1",  # type: ignore[arg-type]
        telegram_secret_token="ok_1",  # type: ignore[arg-type]
    )
    assert channel_problems(settings) == []


async def test_tokens_the_platforms_refuse_are_named() -> None:
    """Telegram's getMe and Slack's auth.test, against local fakes of their APIs."""
    from pydantic import SecretStr

    from app.channel_settings import refused_credentials
    from app.settings import Settings
    from tests.support.fake_slack import FakeSlack, Workspace
    from tests.support.fake_telegram import TOKEN, FakeTelegram

    telegram, slack = FakeTelegram(), FakeSlack()
    telegram_url = await telegram.start()
    await slack.start()
    slack.add_workspace(Workspace("T1", "xoxb-good"))
    try:

        def settings(telegram_token: str, slack_token: str) -> Settings:
            return Settings(
                telegram_token=SecretStr(telegram_token),
                telegram_secret_token=SecretStr("ok_1"),
                telegram_api_url=telegram_url,
                slack_signing_secret=SecretStr("s"),
                slack_bot_token=SecretStr(slack_token),
                slack_api_url=slack.api_url,
            )

        assert await refused_credentials(settings(TOKEN, "xoxb-good")) == []
        assert await refused_credentials(settings("1:revoked", "xoxb-revoked")) == [
            "CB_TELEGRAM_TOKEN was refused by Telegram: copy the token BotFather gave again "
            "(BotFather's /token command shows it)",
            "CB_SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth "
            "Token from your Slack app's OAuth & Permissions page again",
        ]
    finally:
        await telegram.stop()
        await slack.close()


def test_a_refused_telegram_token_stops_serve_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_telegram"], stdout=subprocess.PIPE
    )
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().decode().strip()
        monkeypatch.chdir(tmp_path)
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
            "CB_TELEGRAM_TOKEN": "1:revoked",
            "CB_TELEGRAM_SECRET_TOKEN": "ok_1",
            "CB_TELEGRAM_API_URL": url,
        }
        result = CliRunner().invoke(app, ["serve", "--port", "1"], env=env)
    finally:
        fake.terminate()
        fake.wait()
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bites serve: CB_TELEGRAM_TOKEN was refused by Telegram: copy the token BotFather "
        "gave again (BotFather's /token command shows it)"
    ]
