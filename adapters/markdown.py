"""The bot's small Markdown subset, shared by adapters: parse once, render per platform.

Supported: paragraphs, line breaks, `- ` bullets, `**bold**`, `*italic*` and
`[text](https://…)` links. Everything else is plain text.
"""

from __future__ import annotations

import re
from html import escape

_LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def to_plain(text: str) -> str:
    """Plain text for terminals and screen readers: markup removed, links as 'text (url)'."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\1", text)
    return _ITALIC.sub(r"\1", text)


def _inline_html(text: str) -> str:
    out = escape(text, quote=True)
    out = _LINK.sub(
        lambda m: f'<a href="{m.group(2)}" rel="noopener noreferrer">{m.group(1)}</a>', out
    )
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _ITALIC.sub(r"<em>\1</em>", out)


def to_html(text: str) -> str:
    """Safe HTML: every character of the input is escaped before markup is added."""
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
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
    return "".join(blocks)
