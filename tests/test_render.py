"""The content template language: variables, simple conditions and comments, nothing that
can loop, compute or grow."""

from __future__ import annotations

import pytest

from lessons.render import MAX_VALUE, RenderError, council_context, render_text

SET = council_context({"name": "Borsetshire", "contract_register_url": "https://b.example/r"})
UNSET = council_context()
ONLY = (
    "is not allowed here: templates take {{ council.NAME }} and {% if council.NAME %} … "
    "{% else %} … {% endif %} only"
)


@pytest.mark.parametrize(
    ("text", "context", "shown"),
    [
        ("In {{ council.name }}.", SET, "In Borsetshire."),
        ("In {{council.name}}.", UNSET, "In your council."),
        ("See {% if council.contract_register_url %}it{% endif %}.", SET, "See it."),
        ("See {% if council.contract_register_url %}it{% endif %}.", UNSET, "See ."),
        (
            "{% if council.contract_register_url %}{{ council.contract_register_url }}"
            "{% else %}ask your team{% endif %}",
            UNSET,
            "ask your team",
        ),
        (
            "{% if council.name %}{% if council.key_decision_threshold %}a{% else %}b"
            "{% endif %}{% endif %}",
            SET,
            "b",
        ),
        ("a{# a note for authors #}b", SET, "ab"),
        ("{{- council.name -}}", SET, "Borsetshire"),
    ],
)
def test_variables_conditions_and_comments(
    text: str, context: dict[str, dict[str, str]], shown: str
) -> None:
    assert render_text(text, context) == shown


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "{{ council.name * 40000000 }}",
            "'{{ council.name * 40000000 }}' is not allowed: templates take {{ council.NAME }} "
            "and {% if council.NAME %} … {% else %} … {% endif %} only",
        ),
        (
            "{% for i in range(10**9) %}x{% endfor %}",
            "'{% for i in range(10**9) %}' is not allowed here: templates take "
            "{{ council.NAME }} and {% if council.NAME %} … {% else %} … {% endif %} only",
        ),
        (
            "{{ council.name|replace('a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') }}",
            "'{{ council.name|replace('a', 'aaaaaaaaaaaaa… }}' is not allowed: "
            "templates take {{ council.NAME }} and {% if council.NAME %} … {% else %} … "
            "{% endif %} only",
        ),
        ("{{ council.mayor }}", "unknown variable council.mayor"),
        ("{% if council.name %}a{% else %}b{% else %}c{% endif %}", "'{% else %}' " + ONLY),
        ("{% endif %}", "'{% endif %}' " + ONLY),
        (
            "{% if council.name %}" * 4 + "{% endif %}" * 4,
            "conditions are nested more than 3 deep",
        ),
        ("x" * 20_001 + "{{ council.name }}", "the text is longer than 20000 characters"),
    ],
)
def test_anything_else_is_an_error_naming_it(text: str, error: str) -> None:
    with pytest.raises(RenderError) as raised:
        render_text(text, SET)
    assert str(raised.value) == error


def test_output_is_bounded_by_the_value_limit() -> None:
    context = council_context({"name": "x" * 10_000})
    assert render_text("{{ council.name }}", context) == "x" * MAX_VALUE
