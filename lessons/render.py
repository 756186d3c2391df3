"""Fill council variables into content text, in a small template language of our own.

Content is written by council authors and uploaded through the dashboard, so the language is
deliberately tiny and cannot loop, compute or grow: rendering is one pass over the text, and
its output is at most the text plus one bounded value per variable. It has

- variables: `{{ council.name }}`;
- simple conditions on whether a council set a value:
  `{% if council.contract_register_url %}…{% else %}…{% endif %}`;
- comments: `{# … #}`.

Anything else between `{{ }}` or `{% %}` (loops, filters, arithmetic, other names) is an error
naming what was written. Core content must read well for any council, so only the variables
in `COUNCIL_VARIABLES` exist; anything else is a validation error, never a blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What a council can set, with the placeholder used when it has not.
COUNCIL_VARIABLES: dict[str, str] = {
    "name": "your council",
    "contract_register_url": "your council's contract register",
    "contract_procedure_rules_url": "your council's contract procedure rules",
    "key_decision_threshold": "your council's key decision threshold",
}
MAX_VALUE = 300  # characters in one council value (pack.yaml `variables:`)
MAX_TEMPLATE = 20_000  # characters of text to fill (a card is at most 700)
MAX_DEPTH = 3  # conditions inside conditions
_VARIABLE = re.compile(r"^council\.([a-z_]+)$")
_IF = re.compile(r"^if\s+council\.([a-z_]+)$")
_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_LANGUAGE = (
    "templates take {{ council.NAME }} and {% if council.NAME %} … {% else %} … {% endif %} only"
)


class RenderError(Exception):
    """A template in content could not be filled."""


def council_context(values: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """The `council` variables, council values over the placeholders."""
    merged = dict(COUNCIL_VARIABLES)
    merged.update(
        {k: v[:MAX_VALUE] for k, v in (values or {}).items() if k in COUNCIL_VARIABLES and v}
    )
    return {"council": merged}


def render_text(text: str, context: Mapping[str, object]) -> str:
    """Fill the variables of one text; raise RenderError naming what is wrong."""
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return text  # the common case: no template work at all
    if len(text) > MAX_TEMPLATE:
        raise RenderError(f"the text is longer than {MAX_TEMPLATE} characters")
    council = context.get("council")
    values = council if isinstance(council, Mapping) else {}
    return _Renderer(values).run(text)


@dataclass
class _Frame:
    """One open condition: whether its branch is shown, and whether `else` was seen."""

    shown: bool
    seen_else: bool = False


@dataclass
class _Renderer:
    values: Mapping[str, object]
    out: list[str] = field(default_factory=list)
    frames: list[_Frame] = field(default_factory=list)

    def run(self, text: str) -> str:
        position = 0
        while (start := _next_tag(text, position)) >= 0:
            self._emit(text[position:start])
            opener = text[start : start + 2]
            end = text.find(_OPENERS[opener], start + 2)
            if end < 0:
                raise RenderError(f"'{opener}' is not closed with '{_OPENERS[opener]}'")
            inside = text[start + 2 : end].strip().strip("-").strip()
            if opener == "{{":
                self._emit(self._value(inside))
            elif opener == "{%":
                self._statement(inside)
            position = end + 2
        self._emit(text[position:])
        if self.frames:
            raise RenderError("'{% if %}' is not closed with '{% endif %}'")
        return "".join(self.out)

    def _emit(self, piece: str) -> None:
        if all(frame.shown for frame in self.frames):
            self.out.append(piece)

    def _value(self, inside: str) -> str:
        match = _VARIABLE.match(inside)
        if match is None:
            raise RenderError(f"'{{{{ {_shorten(inside)} }}}}' is not allowed: {_LANGUAGE}")
        return str(self._lookup(match.group(1)))[:MAX_VALUE]

    def _lookup(self, name: str) -> object:
        if name not in self.values:
            raise RenderError(f"unknown variable council.{name}")
        return self.values[name]

    def _statement(self, inside: str) -> None:
        if match := _IF.match(inside):
            if len(self.frames) >= MAX_DEPTH:
                raise RenderError(f"conditions are nested more than {MAX_DEPTH} deep")
            name = match.group(1)
            value = self._lookup(name)
            self.frames.append(_Frame(bool(value) and value != COUNCIL_VARIABLES.get(name)))
        elif inside == "else" and self.frames and not self.frames[-1].seen_else:
            self.frames[-1] = _Frame(not self.frames[-1].shown, seen_else=True)
        elif inside == "endif" and self.frames:
            self.frames.pop()
        else:
            raise RenderError(f"'{{% {_shorten(inside)} %}}' is not allowed here: {_LANGUAGE}")


def _next_tag(text: str, position: int) -> int:
    """Where the next `{{`, `{%` or `{#` starts at or after `position`, or -1."""
    found = [i for opener in _OPENERS if (i := text.find(opener, position)) >= 0]
    return min(found, default=-1)


def _shorten(inside: str) -> str:
    return inside if len(inside) <= 40 else inside[:40] + "…"
