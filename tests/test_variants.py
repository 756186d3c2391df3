"""Question variants in the content format: parsed apart from the quiz, checked against
the question they name, counted by `bites content stats` (issue 13)."""

from __future__ import annotations

from lessons.parse import parse_module

MODULE = """---
id: m1
title: A module
track: T
minutes: 5
objectives:
  - One.
  - Two.
sources:
  - title: Source
    url: https://www.gov.uk/
last_reviewed: 2026-11-30
---

## Card: Some card

Some text.

## Question: m1-q1

Who signs a contract change note for Borsetshire's waste contract?

- [ ] Anyone in the service
- [x] The officer with delegated authority
- [ ] The supplier alone

Why: Only delegated authority can bind the council.

## Question: m1-q2
refresher: no

What colour is the contract register?

- [x] It has no colour
- [ ] Blue

Why: It is a register.

## Question: m1-q3

A third question about the register?

- [x] Yes
- [ ] No

Why: Because.

## Question: m1-q4

A fourth question about the register?

- [x] Yes
- [ ] No

Why: Because.

## Question: m1-v1
variant_of: VARIANT_OF

STEM

- [ ] A budget holder without delegation
- [x] The officer the scheme of delegation names
- [ ] The supplier's account manager

Why: Delegation, not seniority, decides who may agree a change.
"""
NEW_SCENARIO = (
    "A parks manager wants the grounds maintenance supplier to add a winter gritting round. "
    "Whose signature makes the change binding?"
)


def parse(variant_of: str, stem: str = NEW_SCENARIO) -> tuple[object, list[str]]:
    text = MODULE.replace("VARIANT_OF", variant_of).replace("STEM", stem)
    module, problems = parse_module("m1.md", text, "test")
    return module, [str(p) for p in problems]


def test_a_variant_is_kept_apart_from_the_quiz_and_found_by_id() -> None:
    module, problems = parse("m1-q1")
    assert problems == []
    assert [q.id for q in module.questions] == ["m1-q1", "m1-q2", "m1-q3", "m1-q4"]  # type: ignore[attr-defined]
    assert [(v.id, v.variant_of) for v in module.variants] == [("m1-v1", "m1-q1")]  # type: ignore[attr-defined]


def test_a_variant_must_name_a_refresher_question_of_its_module() -> None:
    assert parse("m1-q9")[1] == [
        "m1.md:57: variant_of names m1-q9, which is not a quiz question of this module: name "
        "one of its questions"
    ]
    assert parse("m1-q2")[1] == [
        "m1.md:57: variant_of names m1-q2, which is not a refresher question: variants check "
        "what refreshers keep, so name a refresher question"
    ]


def test_a_variant_must_not_repeat_the_original_wording() -> None:
    reworded = "Who signs a contract change note for Borsetshire's highways contract?"
    assert parse("m1-q1", reworded)[1] == [
        "m1.md:57: repeats the wording of m1-q1: set the same point in a new council scenario"
    ]
