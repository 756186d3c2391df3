"""A module's sources as a reading list: one titled link a line, in the Markdown subset
every channel renders as its own kind of link (HTML in Telegram and the web chat, mrkdwn
in Slack, Markdown in Teams), rather than a paragraph of raw addresses. A source's title
names its publisher and date ("NAO, Good practice contract management framework
(December 2016)"), so the list reads like a bibliography."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import literal
from lessons.model import Source


def reading_list(sources: Sequence[Source]) -> str:
    """'- [title](url)' lines; the title is quoted literally, so no character of it is
    read as formatting."""
    return "\n".join(_line(source) for source in sources)


def _line(source: Source) -> str:
    if source.url.startswith("https://") and not any(c in source.url for c in ")\n "):
        return f"- [{literal(source.title)}]({source.url})"
    return f"- {literal(source.title)}: {source.url}"  # not a safe link: shown as an address
