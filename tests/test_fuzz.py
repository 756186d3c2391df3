"""Fuzzing with Hypothesis: whatever people type or upload, the readers answer with a value
or the project's own problems, never another exception. Bounded (`max_examples`) to run in
seconds; each run tries new inputs."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.intents import read_intent
from bot.messages import ConversationRef, Inbound
from bot.payloads import read_payload
from bot.routes import WORDS
from lessons.gift import import_gift, questions_to_markdown
from lessons.loader import validate_packs
from lessons.model import Curriculum
from lessons.parse import parse_addition, parse_module
from lessons.render import RenderError, council_context, render_text
from runtime.clock import ManualClock
from storage.roster import parse_roster
from tests.support.chat import ChatUser, make_services

FUZZ = settings(
    max_examples=150,
    deadline=None,  # no timing in tests: the machine is shared
    database=None,  # leave no example database behind
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
AT = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

# Lines that mean something to the content format, mixed with arbitrary text, so the
# examples reach deep into the parser and validator rather than failing on line 1.
CONTENT_LINES = st.one_of(
    st.sampled_from(
        [
            "---",
            "id: m1",
            "id: [1, 2",
            "title: A module",
            "track: T",
            "minutes: 5",
            "minutes: 99999999999999999999999",
            "objectives: [One thing., Another thing.]",
            "sources:\n  - title: Act\n    url: https://www.legislation.gov.uk/ukpga/2023/54",
            "last_reviewed: 2026-03-01",
            "last_reviewed: 2026-02-30",
            "module: m1",
            "## Card: A card",
            "## Card:",
            "## Question: m1-q1",
            "## Question: BAD ID",
            "## Heading",
            "kind: true-false",
            "kind: essay",
            "refresher: maybe",
            "- [x] Right",
            "- [ ] Wrong",
            "- [X]",
            "- [ ] True",
            "- [ ] False",
            "Why: Because.",
            "{{ council.name }}",
            "{{ council.name * 40000000 }}",
            "{% if council.name %}yes{% else %}no{% endif %}",
            "{% for i in range(9) %}x{% endfor %}",
            "{% if council.name %}",
            "{# note #}",
            "{{",
            "| a | b |",
            "<b>html</b>",
            "![image](x.png)",
            "",
        ]
    ),
    st.text(max_size=60),
)
CONTENT = st.lists(CONTENT_LINES, max_size=40).map("\n".join)
BRACES = st.text(alphabet=st.sampled_from(list("{}%#-. council.name_ifelsendorxy*")), max_size=80)


@FUZZ
@given(text=st.text(max_size=300), choice=st.none() | st.text(max_size=80))
def test_any_message_reads_as_an_intent(text: str, choice: str | None) -> None:
    inbound = Inbound(ConversationRef("test", "c", "u"), AT, text=text, choice_id=choice)
    read_intent(inbound, WORDS)
    read_payload(choice or text)


@FUZZ
@given(text=CONTENT)
def test_any_module_or_addition_file_parses_to_problems(text: str) -> None:
    module, problems = parse_module("m1.md", text, "p")
    assert all(p.line >= 1 and p.message for p in problems)
    assert module is not None or problems
    addition, problems = parse_addition("a.md", text)
    assert addition is not None or problems


@FUZZ
@given(text=BRACES | CONTENT, council=st.dictionaries(st.text(max_size=30), st.text(max_size=400)))
def test_any_template_fills_or_says_why(text: str, council: dict[str, str]) -> None:
    try:
        filled = render_text(text, council_context(council))
    except RenderError as error:
        assert str(error)
    else:
        assert len(filled) <= len(text) + 300 * text.count("{{")


@settings(FUZZ, max_examples=40)
@given(module=CONTENT, manifest=CONTENT, glossary=CONTENT)
def test_any_pack_folder_validates_to_problems(module: str, manifest: str, glossary: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        pack = Path(folder)
        (pack / "modules").mkdir()
        (pack / "additions").mkdir()
        (pack / "pack.yaml").write_text(
            "id: fuzz\ntitle: Fuzz\ncouncil: demo\ntracks:\n  - id: T\n    title: T\n" + manifest,
            "utf-8",
        )
        (pack / "modules" / "m1.md").write_text(module, "utf-8")
        (pack / "additions" / "a.md").write_text(module, "utf-8")
        (pack / "glossary.yaml").write_text(glossary, "utf-8")
        _packs, problems = validate_packs([pack])
    assert all(p.line >= 1 and p.message for p in problems)


GIFT_PIECES = st.one_of(
    st.sampled_from(
        ["::q1::", "::", "{", "}", "=", "~", "#", "%50%", "\\", "// c", "$CATEGORY: x", "TRUE"]
    ),
    st.text(max_size=20),
)


@FUZZ
@given(text=st.lists(GIFT_PIECES, max_size=40).map(" ".join) | st.text(max_size=300))
def test_any_gift_file_imports_to_questions_and_problems(text: str) -> None:
    questions, problems = import_gift(text, "bank.gift")
    assert all(p.line >= 1 for p in problems)
    questions_to_markdown(questions)


ROSTER_CELLS = st.one_of(
    st.sampled_from(["name", "email", "team", "manager", "channel", "Ann", "a@b.gov.uk", ""]),
    st.text(max_size=30),
)


@FUZZ
@given(
    rows=st.lists(st.lists(ROSTER_CELLS, max_size=6), max_size=12),
    separator=st.sampled_from([",", ";", '"', "\n"]),
    ending=st.sampled_from(["\n", "\r\n", "\r", ""]),
)
def test_any_roster_reads_to_rows_or_problems(
    rows: list[list[str]], separator: str, ending: str
) -> None:
    text = ending.join(separator.join(cells) for cells in rows)
    found, problems = parse_roster(text, "roster.csv", ("teams", "slack"))
    assert all(problem.startswith("roster.csv:") for problem in problems)
    assert not (found and problems)


@settings(FUZZ, max_examples=60)
@given(
    steps=st.lists(
        st.one_of(
            st.text(max_size=80).map(lambda text: ("say", text)),
            st.sampled_from(["/start", "/next", "/help", "/mydata", "/pause 2026-02-30"]).map(
                lambda text: ("say", text)
            ),
            st.text(max_size=64).map(lambda payload: ("press", payload)),
        ),
        max_size=6,
    )
)
def test_the_bot_answers_anything(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, steps: list[tuple[str, str]]
) -> None:
    user = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    for action, value in steps:
        user.say(value) if action == "say" else user.press_payload(value)
