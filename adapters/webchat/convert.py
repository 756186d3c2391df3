"""Web chat payloads ⇄ neutral messages. Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from adapters.markdown import to_html, to_plain
from bot.messages import ConversationRef, Inbound, Outbound

PLATFORM = "web"
MAX_TEXT = 2000
MAX_ID = 128


class BadMessageError(ValueError):
    """The request body is not a valid web chat message; the text says why."""


def to_inbound(body: Any, user_id: str, received_at: dt.datetime) -> Inbound:
    """Convert a posted JSON body {text | choice, id, label} to an Inbound, or raise
    BadMessageError. `label` (a pressed button's words) is only for the page's history."""
    if not isinstance(body, dict):
        raise BadMessageError("send a JSON object with 'text' or 'choice'")
    unknown = set(body) - {"text", "choice", "id", "label"}
    if unknown:
        raise BadMessageError(f"unknown field(s): {', '.join(sorted(unknown))}")
    text, choice, message_id = body.get("text", ""), body.get("choice"), body.get("id")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise BadMessageError(f"'text' must be a string of at most {MAX_TEXT} characters")
    if choice is not None and (not isinstance(choice, str) or not 0 < len(choice) <= MAX_ID):
        raise BadMessageError(f"'choice' must be a string of 1 to {MAX_ID} characters")
    if message_id is not None and (
        not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_ID
    ):
        raise BadMessageError(f"'id' must be a string of 1 to {MAX_ID} characters")
    label = body.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_TEXT):
        raise BadMessageError(f"'label' must be a string of at most {MAX_TEXT} characters")
    ref = ConversationRef(PLATFORM, user_id, user_id)
    return Inbound(
        ref, received_at, text=text, choice_id=choice, message_id=_per_visitor(user_id, message_id)
    )


def _per_visitor(user_id: str, message_id: str | None) -> str | None:
    """A message id in the visitor's own namespace: each browser numbers its messages
    itself, so another visitor's id must never make this one's message a "duplicate"."""
    if message_id is None:
        return None
    return hashlib.sha256(f"{user_id}\n{message_id}".encode()).hexdigest()


def shown_mine(body: dict[str, Any]) -> dict[str, Any]:
    """What the visitor sent, as their history shows it: the typed text or the label of
    the button they pressed (plain text: the page never renders it as HTML)."""
    label = body.get("label")
    return {"who": "me", "text": label if isinstance(label, str) else body.get("text", "")}


def to_json(reply: Outbound) -> dict[str, Any]:
    """A reply as the page renders it: safe HTML, plain text, and buttons."""
    return {
        "html": to_html(reply.text),
        "text": to_plain(reply.text),
        "choices": [{"id": c.id, "label": c.label} for c in reply.choices],
        "answers_question": reply.answers_question,
    }
