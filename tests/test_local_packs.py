"""Local add-on packs: a council's own modules, cards added to shared modules, variables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lessons.loader import builtin_pack_path, load_curriculum, validate_packs
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services

LOCAL_MANIFEST = """id: borsetshire
title: Borsetshire County Council
version: "1"
extends: demo
council: borsetshire
variables:
  name: Borsetshire County Council
  key_decision_threshold: "£500,000"
tracks:
  - id: LOCAL
    title: Our rules
"""
ADDITION = """---
module: t3-changing-a-contract
---

## Card: How we do it here

In {{ council.name }}, a change worth more than {{ council.key_decision_threshold }} is a key
decision for the Cabinet.
"""
LOCAL_MODULE = (
    (builtin_pack_path("demo") / "modules" / "t1-what-contract-management-is.md")
    .read_text("utf-8")
    .replace("id: t1-what-contract-management-is", "id: bcc1-our-procedure-rules")
    .replace("track: T", "track: LOCAL")
    .replace("## Question: t1-", "## Question: bcc1-")
)


def make_local_pack(root: Path, addition: str = ADDITION, manifest: str = LOCAL_MANIFEST) -> Path:
    (root / "modules").mkdir(parents=True)
    (root / "additions").mkdir()
    (root / "pack.yaml").write_text(manifest, "utf-8")
    (root / "modules" / "bcc1-our-procedure-rules.md").write_text(LOCAL_MODULE, "utf-8")
    (root / "additions" / "t3-local.md").write_text(addition, "utf-8")
    return root


def test_each_council_sees_only_its_own_local_content(tmp_path: Path) -> None:
    local = make_local_pack(tmp_path / "local")
    curriculum = load_curriculum([builtin_pack_path("demo"), local])
    theirs = curriculum.for_council("borsetshire")
    others = curriculum.for_council("demo")
    assert [m.id for m in theirs.modules][-1] == "bcc1-our-procedure-rules"
    assert len(theirs.modules) == 4 and len(others.modules) == 3
    t3_theirs, t3_others = (
        theirs.module("t3-changing-a-contract"),
        others.module("t3-changing-a-contract"),
    )
    assert t3_theirs is not None and t3_others is not None
    assert [c.title for c in t3_theirs.cards][-1] == "How we do it here"
    assert len(t3_others.cards) == 3
    assert dict(theirs.variables)["key_decision_threshold"] == "£500,000"
    assert others.variables == ()


def test_added_cards_render_the_councils_variables_in_chat(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    local = make_local_pack(tmp_path / "local")
    curriculum = load_curriculum([builtin_pack_path("demo"), local])
    services = make_services(sqlite_url, clock, curriculum)
    services.store.ensure_council("borsetshire", "Borsetshire CC", "BORS", clock.now())
    user = ChatUser(services, clock)
    user.say("/start BORS")
    user.press("12:30")
    for module in curriculum.for_council("borsetshire").modules[:2]:
        for _ in module.cards:
            user.say("/next")
        for question in module.questions:
            user.say("/next")
            user.press(question.correct_option.text)
    user.say("/next")
    user.say("/next")
    user.say("/next")
    assert user.say("/next") == [
        "Card 4 of 4: How we do it here\n\nIn Borsetshire County Council, a change worth more "
        "than £500,000 is a key decision for the Cabinet.\n[1] Continue"
    ]


@pytest.mark.parametrize(
    ("addition", "manifest", "expected"),
    [
        (
            ADDITION.replace("t3-changing-a-contract", "t9-withdrawn"),
            LOCAL_MANIFEST,
            "additions/t3-local.md:2: dangling local reference: module 't9-withdrawn' is not in "
            "the curriculum (renamed or withdrawn upstream?): point it at a current module or "
            "remove it",
        ),
        (
            ADDITION.replace("council.key_decision_threshold", "council.threshold"),
            LOCAL_MANIFEST,
            "additions/t3-local.md:5: broken template: unknown variable council.threshold; "
            "known variables are council.contract_procedure_rules_url, "
            "council.contract_register_url, council.key_decision_threshold, council.name",
        ),
        (
            ADDITION,
            LOCAL_MANIFEST.replace("  name: Borsetshire", "  mayor: Borsetshire"),
            "pack.yaml:1: unknown variable 'mayor': use one of contract_procedure_rules_url, "
            "contract_register_url, key_decision_threshold, name",
        ),
        (
            ADDITION + "\n## Question: bcc-q9\n\nWhat?\n\n- [x] A\n- [ ] B\n\nWhy: So.\n",
            LOCAL_MANIFEST,
            "additions/t3-local.md:10: additions hold cards only; put questions in a module",
        ),
        (
            ADDITION,
            LOCAL_MANIFEST.replace("extends: demo", "extends: core"),
            "pack.yaml:1: extends 'core', which is not loaded: validate it together with that pack",
        ),
    ],
)
def test_local_pack_defects(tmp_path: Path, addition: str, manifest: str, expected: str) -> None:
    local = make_local_pack(tmp_path / "local", addition, manifest)
    _packs, problems = validate_packs([builtin_pack_path("demo"), local])
    assert [str(p).replace(f"{local}/", "") for p in problems] == [expected]


def test_a_local_module_cannot_take_a_shared_modules_id(tmp_path: Path) -> None:
    local = make_local_pack(tmp_path / "local")
    module = local / "modules" / "bcc1-our-procedure-rules.md"
    module.write_text(
        LOCAL_MODULE.replace("bcc1-our-procedure-rules", "t1-what-contract-management-is")
    )
    _packs, problems = validate_packs([builtin_pack_path("demo"), local])
    assert any("duplicate module id 't1-what-contract-management-is'" in str(p) for p in problems)


def test_cli_validates_a_local_pack_against_the_core_it_extends(tmp_path: Path) -> None:
    addition = ADDITION.replace("t3-changing-a-contract", "k3-modifying-contracts")
    manifest = LOCAL_MANIFEST.replace("extends: demo", "extends: core")
    local = make_local_pack(tmp_path / "local", addition, manifest)
    bites = str(Path(sys.executable).parent / "bites")
    result = subprocess.run(
        [bites, "content", "validate", str(local)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    *warnings, summary = result.stdout.splitlines()
    assert summary.startswith("OK: 2 pack(s), 47 modules,")
    # Quality warnings are allowed (exit 0) and here concern only the small local fixture.
    assert all(f"{local}/" in line and ": warning: " in line for line in warnings), warnings
