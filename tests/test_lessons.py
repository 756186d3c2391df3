"""Content format: the loader reads good packs and names every defect with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.estimate import estimate_minutes
from lessons.loader import builtin_pack_path, load_curriculum, validate_packs
from lessons.model import QuestionKind
from lessons.problems import ContentError

MANIFEST = 'id: test\ntitle: Test pack\nversion: "1"\ntracks:\n  - id: T\n    title: Test\n'
FRONT = """---
id: {id}
title: A test module
track: T
minutes: 5
objectives:
  - Do one thing.
  - Do another thing.
sources:
  - title: Procurement Act 2023
    url: https://www.legislation.gov.uk/ukpga/2023/54
last_reviewed: 2026-11-22
---
"""
CARD = "\n## Card: A card\n\nSome text for {{ council.name }}.\n"
QUESTION = """
## Question: {id}
kind: choice

Pick the right one.

- [ ] Wrong
- [x] Right

Why: Because it is right.
"""


def module_text(module_id: str = "m1", questions: int = 4, card: str = CARD) -> str:
    body = FRONT.format(id=module_id) + card
    for n in range(1, questions + 1):
        body += QUESTION.format(id=f"{module_id}-q{n}")
    return body


def make_pack(root: Path, files: dict[str, str], manifest: str = MANIFEST) -> Path:
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(manifest, "utf-8")
    for name, text in files.items():
        (root / "modules" / name).write_text(text, "utf-8")
    return root


def problems_of(root: Path) -> list[str]:
    _packs, problems = validate_packs([root])
    return [str(p) for p in problems]


def test_a_good_pack_loads_with_every_field(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"m1.md": module_text()})
    curriculum = load_curriculum([pack])
    module = curriculum.modules[0]
    assert (module.id, module.title, module.track, module.minutes) == (
        "m1",
        "A test module",
        "T",
        5,
    )
    assert module.objectives == ("Do one thing.", "Do another thing.")
    assert module.cards[0].body == "Some text for {{ council.name }}."
    question = module.questions[0]
    assert (question.kind, question.refresher, question.stem) == (
        QuestionKind.CHOICE,
        True,
        "Pick the right one.",
    )
    assert [(o.id, o.text, o.correct) for o in question.options] == [
        ("a", "Wrong", False),
        ("b", "Right", True),
    ]
    assert question.explanation == "Because it is right."
    assert curriculum.find_question("m1-q2") == (module, module.questions[1])


def test_the_built_in_packs_are_valid() -> None:
    for name in ("demo", "core"):
        _packs, problems = validate_packs([builtin_pack_path(name)])
        assert [str(p) for p in problems] == []


def test_core_curriculum_meets_the_brief() -> None:
    curriculum = load_curriculum([builtin_pack_path("core")])
    assert len(curriculum.modules) >= 46
    assert {m.track for m in curriculum.modules} == set("ABCDEFGHIJKLM")
    for module in curriculum.modules:
        assert estimate_minutes(module) <= 20, module.id
        assert 2 <= len(module.objectives) <= 3, module.id
        assert 4 <= len(module.questions) <= 8, module.id
    assert len(curriculum.glossary) >= 40


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (
            lambda t: t.replace("Some text", "x" * 701),
            "m1.md:15: card is too long for one chat screen (725 characters; at most 700): "
            "split it into two cards",
        ),
        (
            lambda t: t.replace("Why: Because it is right.\n", "", 1),
            "m1.md:19: missing explanation: add a 'Why: …' line after the options",
        ),
        (
            lambda t: t.replace("- [x] Right", "- [ ] Right", 1),
            "m1.md:19: no correct answer: mark one option '- [x]'",
        ),
        (
            lambda t: t.replace("council.name", "council.nmae"),
            "m1.md:15: broken template: unknown variable council.nmae; known variables "
            "are council.contract_procedure_rules_url, council.contract_register_url, "
            "council.key_decision_threshold, council.name",
        ),
        (
            lambda t: t.replace(
                "{{ council.name }}",
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            ),
            "m1.md:15: broken template: '{% for i in range(100000) %}' is not allowed here: "
            "templates take {{ council.NAME }} and {% if council.NAME %} … {% else %} … "
            "{% endif %} only; known variables "
            "are council.contract_procedure_rules_url, council.contract_register_url, "
            "council.key_decision_threshold, council.name",
        ),
        (
            lambda t: t.replace("{{ council.name }}", "{{ council.name * 40000000 }}"),
            "m1.md:15: broken template: '{{ council.name * 40000000 }}' is not allowed: "
            "templates take {{ council.NAME }} and {% if council.NAME %} … {% else %} … "
            "{% endif %} only; known variables "
            "are council.contract_procedure_rules_url, council.contract_register_url, "
            "council.key_decision_threshold, council.name",
        ),
        (
            lambda t: t.replace("{{ council.name }}", "{% if council.name %}x"),
            "m1.md:15: broken template: '{% if %}' is not closed with '{% endif %}'; known "
            "variables "
            "are council.contract_procedure_rules_url, council.contract_register_url, "
            "council.key_decision_threshold, council.name",
        ),
        (
            lambda t: t.replace("{{ council.name }}", "{{ council.name"),
            "m1.md:15: broken template: '{{' is not closed with '}}'; known variables "
            "are council.contract_procedure_rules_url, council.contract_register_url, "
            "council.key_decision_threshold, council.name",
        ),
        (
            lambda t: t.replace(
                "  - title: Procurement Act 2023\n    url: https://www.legislation.gov.uk/ukpga/2023/54",
                "  - https://www.legislation.gov.uk/ukpga/2023/54",
            ),
            "m1.md:9: unknown source format: each source is a mapping with 'title' and 'url' "
            "(and, for a source that is not primary, 'why_secondary')",
        ),
        (
            lambda t: t.replace("minutes: 5", "minutes: [5"),
            "m1.md:6: front matter is not valid YAML: expected ',' or ']', but got ':'",
        ),
        (
            lambda t: t.replace("kind: choice", "kind: essay", 1),
            "m1.md:20: unknown kind 'essay': use choice, true-false or scenario",
        ),
        (
            lambda t: t.replace("## Card: A card", "## Slide: A card"),
            [
                "m1.md:1: the module has no cards: add '## Card: TITLE'",
                "m1.md:15: unknown heading: use '## Card: TITLE' or '## Question: ID'",
                "m1.md:17: text outside a card or question: start it with '## Card:'",
            ],
        ),
        (
            lambda t: t.replace("url: https://", "url: http://"),
            "m1.md:9: source url must start https:// : http://www.legislation.gov.uk/ukpga/2023/54",
        ),
        (
            lambda t: t.replace("track: T", "track: Z"),
            "m1.md:4: track 'Z' is not in the pack's pack.yaml (known: T)",
        ),
    ],
)
def test_each_defect_is_reported_with_file_and_line(
    tmp_path: Path, defect: object, expected: str | list[str]
) -> None:
    assert callable(defect)
    pack = make_pack(tmp_path, {"m1.md": defect(module_text())})
    problems = problems_of(pack)
    wanted = expected if isinstance(expected, list) else [expected]
    assert [p.split("/modules/")[-1] for p in problems] == wanted


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"m1.md": module_text("m1"), "m2.md": module_text("m1")})
    problems = [p.replace(str(tmp_path) + "/modules/", "") for p in problems_of(pack)]
    assert problems[0] == "m2.md:2: duplicate module id 'm1' (also in m1.md:1)"
    assert "m2.md:19: duplicate question id 'm1-q1' (also in m1.md:19)" in problems
    assert len(problems) == 5  # the module id and its four question ids


def test_true_false_options_must_be_true_then_false(tmp_path: Path) -> None:
    text = module_text().replace(
        "kind: choice\n\nPick the right one.\n\n- [ ] Wrong\n- [x] Right",
        "kind: true-false\n\nPick the right one.\n\n- [x] Yes\n- [ ] No",
        1,
    )
    pack = make_pack(tmp_path, {"m1.md": text})
    assert [p.split("/modules/")[-1] for p in problems_of(pack)] == [
        "m1.md:19: a true-false question has exactly two options, 'True' then 'False'"
    ]


def test_question_count_limits(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"m1.md": module_text(questions=3)})
    assert [p.split("/modules/")[-1] for p in problems_of(pack)] == [
        "m1.md:1: the module has 3 questions; give 4 to 8"
    ]


def test_a_module_longer_than_twenty_minutes_is_refused(tmp_path: Path) -> None:
    card = "".join(f"\n## Card: Card {n}\n\n{'word ' * 130}\n" for n in range(30))
    pack = make_pack(tmp_path, {"m1.md": module_text(card=card)})
    problems = [p.split("/modules/")[-1] for p in problems_of(pack)]
    assert problems == [
        "m1.md:1: the module takes about 22 minutes; at most 20: move cards or questions into "
        "another module"
    ]


def test_load_curriculum_raises_with_every_problem(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"m1.md": module_text(questions=2)})
    with pytest.raises(ContentError) as raised:
        load_curriculum([pack])
    assert "the module has 2 questions" in str(raised.value)


def test_missing_manifest(tmp_path: Path) -> None:
    (tmp_path / "modules").mkdir()
    assert problems_of(tmp_path) == [f"{tmp_path}/pack.yaml:1: a pack needs a pack.yaml manifest"]


def test_wrapped_lines_flow_into_paragraphs(tmp_path: Path) -> None:
    card = "\n## Card: Wrapped\n\nOne line\nwraps here.\n\n- item one\n- item\n  two\n"
    pack = make_pack(tmp_path, {"m1.md": module_text(card=card)})
    module = load_curriculum([pack]).modules[0]
    assert module.cards[0].body == "One line wraps here.\n\n- item one\n- item two"
