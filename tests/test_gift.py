"""GIFT export and import: round trips, the exact text written, Moodle files, defects."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lessons.gift import import_gift, questions_to_markdown
from lessons.gift_export import export_gift
from lessons.loader import builtin_pack_path, load_curriculum
from lessons.model import Card, Module, Option, Question, QuestionKind
from lessons.parse import parse_module
from tests.test_lessons import CARD
from tests.test_lessons import FRONT as FRONT_MATTER


def without_lines(questions: list[Question] | tuple[Question, ...]) -> list[Question]:
    """The questions with `line` zeroed, so every other field is compared."""
    return [dataclasses.replace(question, line=0) for question in questions]


def question(
    qid: str,
    kind: QuestionKind,
    stem: str,
    options: list[tuple[str, bool]],
    explanation: str,
    refresher: bool = True,
) -> Question:
    return Question(
        id=qid,
        kind=kind,
        refresher=refresher,
        stem=stem,
        options=tuple(
            Option("abcde"[index], text, correct) for index, (text, correct) in enumerate(options)
        ),
        explanation=explanation,
        line=0,
    )


SMALL_QUESTIONS = (
    question(
        "z9-q1",
        QuestionKind.CHOICE,
        "Which of ~ = # { } : \\ is special?\nPick one.",
        [("a ~ tilde", False), ("b = equals", True), ("c {{ council.name }}", False)],
        "All of # and : are.\n\nSee docs.",
    ),
    question(
        "z9-q2",
        QuestionKind.TRUE_FALSE,
        "A GIFT title looks like ::id::.",
        [("True", True), ("False", False)],
        "Yes: titles sit between :: pairs.",
    ),
    question(
        "z9-q3",
        QuestionKind.SCENARIO,
        "Your supplier emails {urgent}. What now?",
        [("Reply = fast", False), ("Check the contract #clause 4", True)],
        "Read clause #4 first.",
        refresher=False,
    ),
    question(
        "z9-q4",
        QuestionKind.TRUE_FALSE,
        "Moodle is a kind of cheese.",
        [("True", False), ("False", True)],
        "It is a learning platform.",
    ),
)

SMALL_MODULE = Module(
    id="z9-gift-test",
    title="GIFT: {escapes} & more",
    track="T",
    minutes=5,
    objectives=("Do one thing.", "Do another thing."),
    sources=(),
    last_reviewed=dt.date(2026, 11, 22),
    cards=(Card("A card", "Some text.", 1),),
    questions=SMALL_QUESTIONS,
    pack="test",
    path="z9.md",
)

SMALL_GIFT = r"""// Contract Bites module z9-gift-test: GIFT: {escapes} & more
$CATEGORY: contract-bites/z9-gift-test

::z9-q1::Which of \~ \= \# \{ \} \: \\ is special?\nPick one. {
    ~a \~ tilde
    =b \= equals
    ~c \{\{ council.name \}\}
    ####All of \# and \: are.\n\nSee docs.
}

::z9-q2::A GIFT title looks like \:\:id\:\:. {TRUE####Yes\: titles sit between \:\: pairs.}

// kind: scenario
// refresher: no
::z9-q3::Your supplier emails \{urgent\}. What now? {
    ~Reply \= fast
    =Check the contract \#clause 4
    ####Read clause \#4 first.
}

::z9-q4::Moodle is a kind of cheese. {FALSE####It is a learning platform.}
"""


@pytest.mark.parametrize("pack", ["demo", "core"])
def test_every_built_in_module_survives_a_round_trip(pack: str) -> None:
    curriculum = load_curriculum([builtin_pack_path(pack)])
    assert curriculum.modules
    for module in curriculum.modules:
        questions, problems = import_gift(export_gift(module), f"{module.id}.gift")
        assert problems == [], module.id
        assert without_lines(questions) == without_lines(module.questions), module.id


def test_export_writes_the_expected_gift() -> None:
    assert export_gift(SMALL_MODULE) == SMALL_GIFT


def test_the_expected_gift_imports_back_with_its_line_numbers() -> None:
    questions, problems = import_gift(SMALL_GIFT, "z9.gift")
    assert problems == []
    assert without_lines(questions) == list(SMALL_QUESTIONS)
    assert [q.line for q in questions] == [4, 11, 15, 21]


MOODLE_FILE = r"""// question: 101  name: Paying on time
// Exported from Moodle, then edited by hand.
$CATEGORY: $course$/top/Contract management/Payment

// A multiple choice question over several lines, with per-answer feedback.
::cm-pay-1::[markdown]Under the Procurement Act 2023, a council must pay
   an undisputed invoice within how many days? {
   ~10 days#Too short.
   =30 days#Right\: section 68.
   ~60 days
   ####Section 68 sets 30 days\: pay on time.
}

::cm-tf-1:: Contract management ends when the contract is awarded. {F####It starts at award.}

::cm-tf-2::KPIs go in notices.{T}
// comments may sit inside a question too
::cm-tf-2-wrong::never mind

::cm-tf-3::GIFT is Moodle's text format.{TRUE#Right#Wrong####Moodle reads it.}

::cm-tf-4::A 50\% discount is \{always\} fine.{false####Not always.\n\nCheck value for money.}

// kind: scenario
// refresher: no
::cm-scen-1::
A supplier says 1 \= 2 and asks for \{more\} money\: what do you do?
{
~Pay it
=Check the contract \#terms
~Ignore it
####Always check the contract\~ first.
}

::cm-gap-1::The Act is from {=2023 ~2013 ~1998####The 2023 Act.} and applies to councils.
"""


def test_a_hand_written_moodle_file_imports() -> None:
    questions, problems = import_gift(MOODLE_FILE, "bank.gift")
    assert [str(p) for p in problems] == [
        "bank.gift:16: two questions with no blank line between them: separate questions "
        "with a blank line; skipped",
    ]
    assert [(q.id, q.line) for q in questions] == [
        ("cm-pay-1", 6),
        ("cm-tf-1", 14),
        ("cm-tf-3", 20),
        ("cm-tf-4", 22),
        ("cm-scen-1", 26),
        ("cm-gap-1", 35),
    ]
    assert without_lines(questions) == [
        question(
            "cm-pay-1",
            QuestionKind.CHOICE,
            "Under the Procurement Act 2023, a council must pay an undisputed invoice "
            "within how many days?",
            [("10 days", False), ("30 days", True), ("60 days", False)],
            "Section 68 sets 30 days: pay on time.",
        ),
        question(
            "cm-tf-1",
            QuestionKind.TRUE_FALSE,
            "Contract management ends when the contract is awarded.",
            [("True", False), ("False", True)],
            "It starts at award.",
        ),
        question(
            "cm-tf-3",
            QuestionKind.TRUE_FALSE,
            "GIFT is Moodle's text format.",
            [("True", True), ("False", False)],
            "Moodle reads it.",
        ),
        question(
            "cm-tf-4",
            QuestionKind.TRUE_FALSE,
            "A 50\\% discount is {always} fine.",
            [("True", False), ("False", True)],
            "Not always.\n\nCheck value for money.",
        ),
        question(
            "cm-scen-1",
            QuestionKind.SCENARIO,
            "A supplier says 1 = 2 and asks for {more} money: what do you do?",
            [("Pay it", False), ("Check the contract #terms", True), ("Ignore it", False)],
            "Always check the contract~ first.",
            refresher=False,
        ),
        question(
            "cm-gap-1",
            QuestionKind.CHOICE,
            "The Act is from _____ and applies to councils.",
            [("2023", True), ("2013", False), ("1998", False)],
            "The 2023 Act.",
        ),
    ]


def test_windows_line_endings_and_a_byte_order_mark_are_read() -> None:
    text = "\ufeff// c\r\n\r\n::w-1::Pick\r\n one.{=A ~B####Why.}\r\n"
    questions, problems = import_gift(text)
    assert problems == []
    assert [(q.id, q.stem, q.line) for q in questions] == [("w-1", "Pick one.", 3)]


PREFIX = "// a comment\n$CATEGORY: bank\n\n"  # the question below starts on line 4


@pytest.mark.parametrize(
    ("gift", "expected"),
    [
        (
            "::e-1::Describe a KPI.{}",
            ["essay questions ({}) are not supported; skipped"],
        ),
        (
            "::e-2::Describe a KPI.{####A measure.}",
            ["essay questions ({}) are not supported; skipped"],
        ),
        (
            "::s-1::Which Act?{=Procurement Act =PA23####The 2023 Act.}",
            ["short answer questions (only = answers) are not supported; skipped"],
        ),
        (
            "::m-1::Match them.{\n=KPI -> measure\n=CPN -> notice\n=PA -> Act\n}",
            ["matching questions (->) are not supported; skipped"],
        ),
        (
            "::n-1::How many days?{#30:0####Section 68.}",
            ["numerical questions ({#...}) are not supported; skipped"],
        ),
        (
            "::w-1::Pick.{~%50%A ~%50%B ~C####Why.}",
            [
                "partial-credit weights like %50% are not supported: mark the one right "
                "answer with = and the others with ~; skipped"
            ],
        ),
        (
            "Pick one.{=A ~B####Why.}",
            ["the question has no title: give the question a ::title:: to use as its id; skipped"],
        ),
        (
            "::Question 1::Pick one.{=A ~B####Why.}",
            [
                "the title 'Question 1' cannot be a question id: use lowercase letters, "
                "digits and hyphens, at most 48 characters; skipped"
            ],
        ),
        (
            "::f-1::Pick one.{=A ~B}",
            [
                "the question has no general feedback, which Contract Bites needs as its "
                "explanation: add ####explanation before the closing }; skipped"
            ],
        ),
        (
            "Pick one.{=A ~B#feedback for B}",
            [
                "the question has no title: give the question a ::title:: to use as its id; "
                "skipped",
                "the question has no general feedback, which Contract Bites needs as its "
                "explanation: add ####explanation before the closing }; skipped",
            ],
        ),
        (
            "::o-1::Pick one.{=A ~B ~C ~D ~E ~F####Why.}",
            ["the question has 6 answers; Contract Bites needs 2 to 5; skipped"],
        ),
        (
            "::o-2::Pick one.{~A####Why.}",
            [
                "the question has 1 answers; Contract Bites needs 2 to 5; skipped",
                "no right answer: mark exactly one answer with =; skipped",
            ],
        ),
        (
            "::r-0::Pick one.{~A ~B####Why.}",
            ["no right answer: mark exactly one answer with =; skipped"],
        ),
        (
            "::r-2::Pick one.{=A =B ~C####Why.}",
            ["2 answers are marked right with =: mark exactly one, the others with ~; skipped"],
        ),
        (
            "::x-1::Pick one.{=A ~ ####Why.}",
            ["an answer is empty: write its text after the = or ~; skipped"],
        ),
        (
            "::x-2::{=A ~B####Why.}",
            ["the question has no text before its answers; skipped"],
        ),
        (
            "::x-3::Pick one.{A ~B####Why.}",
            ["could not read the answers: start each with = (right) or ~ (wrong); skipped"],
        ),
        (
            "::x-4::Pick one.{hello####Why.}",
            ["could not read the answers: start each with = (right) or ~ (wrong); skipped"],
        ),
        (
            "::d-1::Just some text for the learner.",
            [
                "text with no {answers} (a Moodle description) is not a question; skipped",
            ],
        ),
        (
            "::u-1::Pick one.{=A\n~B\n####Why.",
            ["the answers have no closing }; skipped"],
        ),
        (
            "::t-1 Pick one.{=A ~B####Why.}",
            ["the ::title has no closing ::; skipped"],
        ),
        (
            "::a-1::Pick.{=A ~B####Why.}\n::a-2::Pick.{=A ~B####Why.}",
            [
                "two questions with no blank line between them: separate questions "
                "with a blank line; skipped"
            ],
        ),
    ],
)
def test_each_defect_is_named_with_its_line(gift: str, expected: list[str]) -> None:
    questions, problems = import_gift(PREFIX + gift, "bank.gift")
    assert questions == []
    assert [str(p) for p in problems] == [f"bank.gift:4: {message}" for message in expected]


def test_good_questions_survive_next_to_bad_ones_and_ids_stay_unique() -> None:
    text = (
        "::g-1::Pick one.{=A ~B####Why.}\n"  # line 1
        "\n"
        "::g-2::Describe.{}\n"  # line 3
        "\n"
        "// kind: scenario\n"
        "::g-1::\n"  # line 6
        "Again.{=A ~B####Why.}\n"
        "\n"
        "::g-3::Pick again.{~A =B####Why.}\n"  # line 9
    )
    questions, problems = import_gift(text, "mix.gift")
    assert [str(p) for p in problems] == [
        "mix.gift:3: essay questions ({}) are not supported; skipped",
        "mix.gift:6: duplicate question id 'g-1' (also at line 1); skipped",
    ]
    assert [(q.id, q.kind, q.line) for q in questions] == [
        ("g-1", QuestionKind.CHOICE, 1),
        ("g-3", QuestionKind.CHOICE, 9),
    ]


def test_bad_input_never_raises() -> None:
    samples = (
        [MOODLE_FILE[:cut] for cut in range(len(MOODLE_FILE))]
        + [SMALL_GIFT[cut:] for cut in range(len(SMALL_GIFT))]
        + ["", "\\", "{", "}", "::", ":::", "::a::{", "{\\}", "~=#{}:\\", "{####}", "{#}", "{%%}"]
    )
    for text in samples:
        questions, problems = import_gift(text)
        assert all(p.line >= 1 for p in problems)
        assert all(q.line >= 1 for q in questions)


def test_questions_to_markdown_writes_the_content_format() -> None:
    assert questions_to_markdown(list(SMALL_QUESTIONS[2:4])) == (
        "## Question: z9-q3\n"
        "kind: scenario\n"
        "refresher: no\n"
        "\n"
        "Your supplier emails {urgent}. What now?\n"
        "\n"
        "- [ ] Reply = fast\n"
        "- [x] Check the contract #clause 4\n"
        "\n"
        "Why: Read clause #4 first.\n"
        "\n"
        "## Question: z9-q4\n"
        "kind: true-false\n"
        "refresher: yes\n"
        "\n"
        "Moodle is a kind of cheese.\n"
        "\n"
        "- [ ] True\n"
        "- [x] False\n"
        "\n"
        "Why: It is a learning platform.\n"
    )


def parse_back(questions: list[Question], module_id: str = "m1") -> list[Question]:
    text = FRONT_MATTER.format(id=module_id) + CARD + "\n" + questions_to_markdown(questions)
    module, problems = parse_module(f"{module_id}.md", text, "test")
    assert [str(p) for p in problems] == []
    assert module is not None
    return list(module.questions)


def test_imported_questions_parse_back_from_markdown() -> None:
    questions, _problems = import_gift(MOODLE_FILE, "bank.gift")
    assert without_lines(parse_back(questions)) == without_lines(questions)


@pytest.mark.parametrize("pack", ["demo", "core"])
def test_built_in_questions_parse_back_from_markdown(pack: str) -> None:
    for module in load_curriculum([builtin_pack_path(pack)]).modules:
        imported, _problems = import_gift(export_gift(module))
        assert without_lines(parse_back(imported, module.id)) == without_lines(module.questions), (
            module.id
        )
