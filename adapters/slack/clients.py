"""The Slack SDK clients and loggers the channel and the sender use."""

from __future__ import annotations

import logging

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.config import SlackConfig

API_TIMEOUT_SECONDS = 15


def sdk_logger() -> logging.Logger:
    """The logger handed to the Slack SDK clients. Held at WARNING whatever the service's
    level: the SDK's DEBUG lines include whole API responses, and OAuth responses carry
    tokens, which must never reach a log."""
    logger = logging.getLogger("slack_sdk.contract_bites")
    logger.setLevel(logging.WARNING)
    return logger


def bolt_logger() -> logging.Logger:
    """The logger handed to bolt: a third-party logger (see `app.logs`), so its INFO lines,
    such as a failed signature with the whole request body, never reach a log."""
    return logging.getLogger("slack_bolt.contract_bites")


def web_client(config: SlackConfig, token: str | None = None, *, patient: bool) -> AsyncWebClient:
    """A Web API client on the configured base URL. A `patient` client (for replies to
    what a user just did) retries once on a dropped connection or a 429; a client for
    scheduled deliveries must not, so the dispatcher can reschedule instead."""
    handlers = (
        [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
        if patient
        else []
    )
    return AsyncWebClient(
        token=token,
        base_url=config.api_url,
        timeout=API_TIMEOUT_SECONDS,
        logger=sdk_logger(),
        retry_handlers=handlers,
    )
