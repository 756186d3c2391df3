"""The bot's small Markdown subset, shared by adapters: parse once, render per platform.

Supported: paragraphs, line breaks, `- ` bullets, `**bold**`, `*italic*` and
`[text](https://…)` links. A backslash before a markup character makes it plain (the bot
escapes what people type this way, see `bot.messages.literal`). Everything else is plain
text.

Every channel's converter first calls `protect`, which hides escaped characters from the
markup patterns, and last calls `restore`, which puts them back in the channel's own
literal form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from bot.messages import MARKUP_CHARACTERS

_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_HIDDEN = re.compile("[\ue000-\ue07f]")
_HIDE_BASE = 0xE000  # Unicode private use area: never in the bot's own words


def protect(text: str) -> str:
    """The text with each escaped markup character hidden from the markup patterns."""

    def hide(match: re.Match[str]) -> str:
        char = match.group(1)
        return chr(_HIDE_BASE + ord(char)) if char in MARKUP_CHARACTERS else match.group(0)

    return _ESCAPED.sub(hide, text)


def restore(text: str, literal: Callable[[str], str] = lambda char: char) -> str:
    """Put hidden characters back, each as `literal` writes a plain character."""
    return _HIDDEN.sub(lambda m: literal(chr(ord(m.group(0)) - _HIDE_BASE)), text)


def html_literal(char: str) -> str:
    """A plain character in HTML."""
    return escape(char, quote=True)


_LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def to_plain(text: str) -> str:
    """Plain text for terminals and screen readers: markup removed, links as 'text (url)'."""
    text = protect(text)
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\1", text)
    return restore(_ITALIC.sub(r"\1", text))


# A bare https address in running text (not one already inside a link's markup).
_BARE = re.compile(r"(?<![\"=>])https://[^\s<>\"]+")
_TRAILING = ".,;:!?)'"  # punctuation after an address ends the sentence, not the address


def _anchor(href: str, text: str) -> str:
    """A link that opens in a new tab without giving that page a handle on this one."""
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{text}</a>'


def _bare(match: re.Match[str]) -> str:
    url = match.group(0)
    kept = url.rstrip(_TRAILING)
    return _anchor(kept, kept) + url[len(kept) :]


def _inline_html(text: str) -> str:
    out = escape(text, quote=True)
    out = _LINK.sub(lambda m: _anchor(m.group(2), m.group(1)), out)
    out = _BARE.sub(_bare, out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _ITALIC.sub(r"<em>\1</em>", out)


def to_html(text: str) -> str:
    """Safe HTML: every character of the input is escaped before markup is added."""
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", protect(text).strip()):
        lines = block.split("\n")
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if paragraph:
                    blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
                    paragraph = []
                items.append("<li>" + _inline_html(line[2:]) + "</li>")
            else:
                if items:
                    blocks.append("<ul>" + "".join(items) + "</ul>")
                    items = []
                paragraph.append(_inline_html(line))
        if paragraph:
            blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
        if items:
            blocks.append("<ul>" + "".join(items) + "</ul>")
    return restore("".join(blocks), html_literal)
