"""Fill council variables (Jinja2) into content text.

Core content must read well for any council, so only the variables in
`COUNCIL_VARIABLES` exist; anything else is a validation error, never a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

# What a council can set, with the placeholder used when it has not.
COUNCIL_VARIABLES: dict[str, str] = {
    "name": "your council",
    "contract_register_url": "your council's contract register",
    "contract_procedure_rules_url": "your council's contract procedure rules",
    "key_decision_threshold": "your council's key decision threshold",
}


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


class RenderError(Exception):
    """A template in content could not be filled."""


def council_context(values: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """The `council` variables, council values over the placeholders."""
    merged = dict(COUNCIL_VARIABLES)
    merged.update({k: v for k, v in (values or {}).items() if k in COUNCIL_VARIABLES and v})
    return {"council": merged}


def render_text(text: str, context: Mapping[str, object]) -> str:
    """Fill the variables of one text; raise RenderError naming what is wrong."""
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return text  # the common case: no template work at all
    try:
        return _environment().from_string(text).render(context)
    except TemplateError as error:
        raise RenderError(str(error.message or error)) from error
