"""Quality warnings: answer cues, near-duplicate questions and non-primary sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lessons.loader import builtin_pack_path, validate_packs
from lessons.quality import is_primary_host, quality_warnings

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
    url: {url}
last_reviewed: 2026-11-22
---

## Card: A card

Some text.
"""
PRIMARY = "https://www.legislation.gov.uk/ukpga/2023/54"


def choice(qid: str, stem: str, right: str, wrong: tuple[str, str] = ("Apple", "Pear")) -> str:
    """A choice question with the right option last."""
    return (
        f"\n## Question: {qid}\n\n{stem}\n\n- [ ] {wrong[0]}\n- [ ] {wrong[1]}\n"
        f"- [x] {right}\n\nWhy: Because.\n"
    )


def true_false(qid: str, stem: str, answer: str) -> str:
    """A true/false question whose right answer is `answer`."""
    marks = ("x", " ") if answer == "True" else (" ", "x")
    return (
        f"\n## Question: {qid}\nkind: true-false\n\n{stem}\n\n- [{marks[0]}] True\n"
        f"- [{marks[1]}] False\n\nWhy: Because.\n"
    )


FILLER = (
    ("Which planet is largest?", "Jupiter", ("Mars", "The Moon")),
    ("Which metal rusts?", "Iron", ("Gold", "Copper")),
    ("Which bird cannot fly?", "Emu", ("Robin", "Swan")),
    ("Which ocean is deepest?", "Pacific", ("Arctic", "Southern")),
    ("Which gas do plants take in?", "Carbon", ("Neon", "Hydrogen")),
    ("Which river flows through Cairo?", "Nile", ("Thames", "Rhine")),
)


def fillers(module: str, count: int) -> list[str]:
    """Unrelated, cue-free questions to reach the 4-question minimum."""
    start = 0 if module == "m1" else 3
    return [
        choice(f"{module}-f{n}", stem, right, wrong)
        for n, (stem, right, wrong) in enumerate(FILLER[start : start + count], 1)
    ]


def write_pack(root: Path, modules: dict[str, list[str]], url: str = PRIMARY) -> Path:
    """A pack whose module `name` holds the given questions (file name `name`.md)."""
    (root / "modules").mkdir(parents=True)
    (root / "pack.yaml").write_text(MANIFEST, "utf-8")
    for name, questions in modules.items():
        text = FRONT.format(id=name, url=url) + "".join(questions)
        (root / "modules" / f"{name}.md").write_text(text, "utf-8")
    return root


def warnings_of(root: Path) -> list[str]:
    packs, problems = validate_packs([root])
    assert [str(p) for p in problems] == []
    return [str(w) for w in quality_warnings(packs)]


def test_the_longest_option_right_too_often_is_a_pack_warning(tmp_path: Path) -> None:
    stems = ["Which fruit is yellow?", "Which fruit is red?", "Which is a nut?", "Which is sour?"]
    questions = [choice(f"m1-q{n}", s, "Banana") for n, s in enumerate(stems, 1)]
    root = write_pack(tmp_path, {"m1": questions})
    assert warnings_of(root) == [
        f"{root}/pack.yaml:1: answer cue: the longest option is the right one in 4 of 4 choice "
        "questions (100%); keep it at most 35% by making wrong options as long and plausible"
    ]


def test_one_true_false_answer_right_too_often_is_a_pack_warning(tmp_path: Path) -> None:
    stems = ["Grass is blue.", "Snow is black.", "Fire is cold.", "Ice is warm."]
    questions = [true_false(f"m1-q{n}", s, "False") for n, s in enumerate(stems, 1)]
    root = write_pack(tmp_path, {"m1": questions})
    assert warnings_of(root) == [
        f"{root}/pack.yaml:1: answer cue: 'False' is right in 4 of 4 true/false questions "
        "(100%); keep each answer at most 65%"
    ]


def test_balanced_cues_give_no_warning(tmp_path: Path) -> None:
    questions = [
        choice("m1-q1", "Which fruit is yellow?", "Lemon", ("Cherry", "Plum")),
        choice("m1-q2", "Which grows on vines?", "Grape", ("Walnut", "Chestnut")),
        true_false("m1-q3", "Grass is green.", "True"),
        true_false("m1-q4", "Snow is black.", "False"),
    ]
    assert warnings_of(write_pack(tmp_path, {"m1": questions})) == []


def test_a_right_option_much_longer_than_the_others_is_flagged_at_its_line(
    tmp_path: Path,
) -> None:
    questions = [
        choice("m1-q1", "Which fruit is yellow?", "Lemon", ("Cherry", "Plum")),
        choice("m1-q2", "Which grows on vines?", "Grapes, grown on vines", ("Walnut", "Fig")),
        choice("m1-q3", "Which is a nut?", "Pecan", ("Orange", "Kiwi")),
        choice("m1-q4", "Which is sour?", "Lime", ("Melon", "Mango")),
    ]
    root = write_pack(tmp_path, {"m1": questions})
    module = root / "modules" / "m1.md"
    line = module.read_text().splitlines().index("## Question: m1-q2") + 1
    assert f"{module}:{line}: answer cue in m1-q2: the right option (22 characters) is more " in (
        "\n".join(warnings_of(root))
    )


def test_near_duplicate_questions_across_modules_name_both_places(tmp_path: Path) -> None:
    first = choice("m1-q1", "Which notice ends a contract early under the Act?", "Termination")
    second = choice("m2-q1", "Which notice ends the contract early under the Act?", "Termination")
    root = write_pack(
        tmp_path, {"m1": [first, *fillers("m1", 3)], "m2": [second, *fillers("m2", 3)]}
    )
    m1, m2 = root / "modules" / "m1.md", root / "modules" / "m2.md"
    found = [w for w in warnings_of(root) if "near-duplicate" in w]
    assert found == [
        f"{m2}:19: near-duplicate question: m2-q1 is much like m1-q1 ({m1}:19); keep one and "
        "make the other test a different point"
    ]


def test_a_source_from_a_copy_site_is_flagged_at_its_line(tmp_path: Path) -> None:
    url = "https://www.scribd.com/document/1/NAO-framework"
    root = write_pack(tmp_path, {"m1": fillers("m1", 4)}, url=url)
    module = root / "modules" / "m1.md"
    assert warnings_of(root) == [
        f"{module}:11: source is not from a primary publisher (www.scribd.com): cite the body "
        "that made the rule or did the research (docs/authoring.md lists them)"
    ]


def test_primary_hosts_match_the_domain_and_its_sub_domains_only() -> None:
    assert is_primary_host("https://www.legislation.gov.uk/ukpga/2023/54/section/74")
    assert is_primary_host("https://assets.publishing.service.gov.uk/media/x.pdf")
    assert is_primary_host("https://www.nao.org.uk/reports/x/")
    assert not is_primary_host("https://gov.uk.example.com/x")
    assert not is_primary_host("https://notgov.uk/x")
    assert not is_primary_host("https://en.wikipedia.org/wiki/ISO_44001")


def test_the_core_pack_has_no_quality_warnings() -> None:
    packs, problems = validate_packs([builtin_pack_path("core")])
    assert problems == []
    assert [str(w) for w in quality_warnings(packs)] == []


def test_cli_prints_warnings_and_exits_0_unless_strict(tmp_path: Path) -> None:
    url = "https://docslib.org/doc/1/nao"
    questions = [*fillers("m1", 2), true_false("m1-q3", "Snow is white.", "True")]
    questions += [true_false("m1-q4", "Snow is black.", "False")]
    root = write_pack(tmp_path, {"m1": questions}, url=url)
    bites = str(Path(sys.executable).parent / "bites")
    for args, code in (([], 0), (["--strict"], 1)):
        result = subprocess.run(
            [bites, "content", "validate", *args, str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == code
        assert result.stdout == (
            f"{root}/modules/m1.md:11: warning: source is not from a primary publisher "
            "(docslib.org): cite the body that made the rule or did the research "
            "(docs/authoring.md lists them)\n"
            "OK: 1 pack(s), 1 modules, 4 questions, 1 warning(s).\n"
        )


def test_a_reworded_repeat_from_the_first_edition_is_caught(tmp_path: Path) -> None:
    """f2-q7 and k2-q4 of the first core edition asked the same thing in different words."""
    first = choice(
        "m1-q1",
        "A supplier's serious breach leads the council to terminate the whole contract. "
        "Under the Procurement Act, which notice records this?",
        "A contract termination notice",
        ("A contract performance notice", "A contract change notice"),
    )
    second = choice(
        "m2-q1",
        "After repeated serious breaches, your council terminates a Procurement Act contract "
        "in full. Which notice records what happened?",
        "A contract termination notice that includes the breach details",
        ("A contract performance notice, then a termination notice later", "None"),
    )
    root = write_pack(
        tmp_path, {"m1": [first, *fillers("m1", 3)], "m2": [second, *fillers("m2", 3)]}
    )
    m1, m2 = root / "modules" / "m1.md", root / "modules" / "m2.md"
    assert [w for w in warnings_of(root) if "near-duplicate" in w] == [
        f"{m2}:19: near-duplicate question: m2-q1 is much like m1-q1 ({m1}:19); keep one and "
        "make the other test a different point"
    ]
