"""Quality warnings: things that weaken a pack without breaking it.

A warning does not stop a pack loading (the service starts with it), but `bites content
validate` prints it so the author fixes it before publishing. The checks are:

- answer cues: the right option is the longest too often (pack level), one true/false answer
  is right too often (pack level), or one right option is much longer than all the others;
- near-duplicate questions in different modules;
- sources whose host is not a primary publisher (docs/authoring.md lists the host classes).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lessons.model import Module, Pack, Question, QuestionKind
from lessons.problems import Problem

# Pack-level cue limits. A learner who always picks the longest option should do no better
# than chance: with 3-4 options that is 25-33%, so more than 35% is a cue. For true/false,
# a pack where one answer is right in more than 65% of questions teaches "guess False".
MAX_LONGEST_RIGHT_SHARE = 0.35
MAX_TRUE_FALSE_SHARE = 0.65
# Per question: a right option more than 1.5 times as long as every other one stands out.
MAX_RIGHT_LENGTH_RATIO = 1.5
# Near-duplicates, measured on the stem plus its right answer with small words removed.
# Token overlap (Jaccard) of 0.35 or more, or a character similarity of the stems of 0.66 or
# more, catches the repeats found in review of the core pack (word-for-word copies and light
# rewordings such as "failure to perform" vs "breach" notices) while unrelated questions on
# the same topic score below (the highest unrelated pair in the first edition: 0.65).
MIN_DUPLICATE_JACCARD = 0.35
MIN_DUPLICATE_STEM_RATIO = 0.66
MIN_SHARED_STEM_WORDS = 2
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "which",
        "what",
        "by",
        "with",
        "as",
        "at",
        "from",
        "your",
        "you",
        "do",
        "does",
        "under",
        "council",
        "councils",
        "contract",
        "contracts",
    ]
)
_WORD = re.compile(r"[a-z0-9£%.]+")

# Hosts of primary publishers: the body that made the rule, wrote the guidance or did the
# research. A host matches itself and its sub-domains. docs/authoring.md explains each class.
PRIMARY_HOSTS = (
    "gov.uk",  # UK public bodies only: gov.uk, legislation, councils, CCS, ONS, Find a Tender
    "gov.wales",  # Welsh Government
    "thegazette.co.uk",  # The Gazette: the official public record (insolvency notices)
    "nao.org.uk",  # National Audit Office
    "parliament.uk",  # Acts' debates, committee reports, Commons Library
    "ico.org.uk",  # Information Commissioner
    "cqc.org.uk",  # Care Quality Commission (care market oversight)
    "nhs.uk",  # NHS England (Provider Selection Regime)
    "judiciary.uk",  # judgments published by the courts
    "bailii.org",  # British and Irish Legal Information Institute: judgments as handed down
    "iso.org",  # ISO, for its own standards
    "worldcc.com",  # World Commerce & Contracting, for its own research figures
    "hbr.org",  # Harvard Business Review, for articles it first published
)


def quality_warnings(packs: Sequence[Pack]) -> list[Problem]:
    """Every quality warning for these packs, sorted by file and line."""
    warnings: list[Problem] = []
    for pack in packs:
        warnings.extend(_pack_cue_warnings(pack))
        for module in pack.modules:
            warnings.extend(_length_cue_warnings(module))
            warnings.extend(_source_warnings(module))
    warnings.extend(_duplicate_warnings([m for p in packs for m in p.modules]))
    return sorted(set(warnings))


def right_is_longest(question: Question) -> bool:
    """True if the right option is at least as long as every other option (ties count)."""
    right = len(question.correct_option.text)
    return all(right >= len(o.text) for o in question.options if not o.correct)


def _pack_cue_warnings(pack: Pack) -> list[Problem]:
    questions = [q for m in pack.modules for q in (*m.questions, *m.variants)]
    choice = [q for q in questions if q.kind is not QuestionKind.TRUE_FALSE]
    true_false = [q for q in questions if q.kind is QuestionKind.TRUE_FALSE]
    manifest = str(Path(pack.path) / "pack.yaml")
    warnings = []
    longest = sum(1 for q in choice if right_is_longest(q))
    if choice and longest / len(choice) > MAX_LONGEST_RIGHT_SHARE:
        warnings.append(
            Problem(
                manifest,
                1,
                f"answer cue: the longest option is the right one in {longest} of "
                f"{len(choice)} choice questions ({longest / len(choice):.0%}); keep it at most "
                f"{MAX_LONGEST_RIGHT_SHARE:.0%} by making wrong options as long and plausible",
            )
        )
    for answer in ("True", "False"):
        right = sum(1 for q in true_false if q.correct_option.text == answer)
        if true_false and right / len(true_false) > MAX_TRUE_FALSE_SHARE:
            warnings.append(
                Problem(
                    manifest,
                    1,
                    f"answer cue: '{answer}' is right in {right} of {len(true_false)} "
                    f"true/false questions ({right / len(true_false):.0%}); keep each answer "
                    f"at most {MAX_TRUE_FALSE_SHARE:.0%}",
                )
            )
    return warnings


def _length_cue_warnings(module: Module) -> list[Problem]:
    warnings = []
    for question in (*module.questions, *module.variants):
        right = len(question.correct_option.text)
        others = [len(o.text) for o in question.options if not o.correct]
        if others and right > MAX_RIGHT_LENGTH_RATIO * max(others):
            warnings.append(
                Problem(
                    module.path,
                    question.line,
                    f"answer cue in {question.id}: the right option ({right} characters) is "
                    f"more than {MAX_RIGHT_LENGTH_RATIO} times as long as every other "
                    f"(longest wrong: {max(others)}); make wrong options as long",
                )
            )
    return warnings


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS]


@dataclass(frozen=True)
class _Compared:
    """What the duplicate check compares, worked out once per question."""

    module: Module
    question: Question
    words: frozenset[str]  # stem and right answer, small words removed
    stem_words: frozenset[str]  # the stem's words, small words removed
    stem: str  # the same words in order, joined by spaces

    @classmethod
    def of(cls, module: Module, question: Question) -> _Compared:
        words = frozenset(_tokens(question.stem + " " + question.correct_option.text))
        stem = _tokens(question.stem)
        return cls(module, question, words, frozenset(stem), " ".join(stem))


def _near_duplicates(
    first: _Compared, second: _Compared, matcher: difflib.SequenceMatcher[str]
) -> bool:
    """True if the pair passes either threshold. `matcher` already holds `second.stem` as its
    second sequence (difflib caches its analysis there), and the cheap upper bounds run
    before the full ratio, which keeps a whole pack's pairs quick."""
    union = first.words | second.words
    if union and len(first.words & second.words) / len(union) >= MIN_DUPLICATE_JACCARD:
        return True
    # Stems that share fewer than two words are not near-duplicates in wording (in both
    # editions of the core pack, every pair scoring 0.6 or more shared at least two); this
    # skips nine in ten pairs before the costly character comparison.
    if len(first.stem_words & second.stem_words) < MIN_SHARED_STEM_WORDS:
        return False
    matcher.set_seq1(first.stem)
    return (
        matcher.real_quick_ratio() >= MIN_DUPLICATE_STEM_RATIO
        and matcher.quick_ratio() >= MIN_DUPLICATE_STEM_RATIO
        and matcher.ratio() >= MIN_DUPLICATE_STEM_RATIO
    )


def _duplicate_warnings(modules: Sequence[Module]) -> list[Problem]:
    compared = [_Compared.of(m, q) for m in modules for q in m.questions]
    matcher: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(None)
    warnings = []
    for index, second in enumerate(compared):
        matcher.set_seq2(second.stem)
        for first in compared[:index]:
            if first.module.id == second.module.id or not _near_duplicates(first, second, matcher):
                continue
            warnings.append(
                Problem(
                    second.module.path,
                    second.question.line,
                    f"near-duplicate question: {second.question.id} is much like "
                    f"{first.question.id} ({first.module.path}:{first.question.line}); keep one "
                    "and make the other test a different point",
                )
            )
    return warnings


def is_primary_host(url: str) -> bool:
    """True if the url's host is, or is under, one of PRIMARY_HOSTS."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in PRIMARY_HOSTS)


def _source_warnings(module: Module) -> list[Problem]:
    # A source the author marked `why_secondary` says why no primary source can be cited.
    weak = [s for s in module.sources if not is_primary_host(s.url) and not s.why_secondary]
    if not weak:
        return []
    lines = Path(module.path).read_text("utf-8").splitlines()
    warnings = []
    for source in weak:
        line = next((n for n, text in enumerate(lines, 1) if source.url in text), 1)
        host = urlsplit(source.url).hostname
        warnings.append(
            Problem(
                module.path,
                line,
                f"source is not from a primary publisher ({host}): cite the body that made the "
                "rule or did the research (docs/authoring.md lists them)",
            )
        )
    return warnings
