"""Value objects of the curriculum: packs, tracks, modules, cards, questions, glossary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import Enum


class QuestionKind(Enum):
    """What sort of question it is; all are answered by picking one option."""

    CHOICE = "choice"
    TRUE_FALSE = "true-false"
    SCENARIO = "scenario"


@dataclass(frozen=True)
class Source:
    """A public source a module's facts come from."""

    title: str
    url: str
    why_secondary: str | None = None  # why no primary source can be cited for these facts


@dataclass(frozen=True)
class Card:
    """One chat-sized piece of teaching."""

    title: str
    body: str
    line: int


@dataclass(frozen=True)
class Option:
    """One answer to a question. `id` is its letter (a, b, c…) by position."""

    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """A quiz question with exactly one correct option."""

    id: str
    kind: QuestionKind
    refresher: bool
    stem: str
    options: tuple[Option, ...]
    explanation: str
    line: int
    variant_of: str | None = None  # the question whose point this one tests again

    @property
    def correct_option(self) -> Option:
        """The option marked correct (validation guarantees exactly one)."""
        return next(option for option in self.options if option.correct)

    def option(self, option_id: str) -> Option | None:
        """The option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Module:
    """A micro-lesson: cards followed by a quiz, at most 20 minutes."""

    id: str
    title: str
    track: str
    minutes: int
    objectives: tuple[str, ...]
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    cards: tuple[Card, ...]
    questions: tuple[Question, ...]
    pack: str
    path: str
    # Questions that test a quiz question's point in a new scenario (`variant_of`): not
    # part of the quiz; the pre-test and the delayed check-ups ask them.
    variants: tuple[Question, ...] = ()

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Track:
    """A themed group of modules."""

    id: str
    title: str


@dataclass(frozen=True)
class GlossaryEntry:
    """A term the bot can define with /define."""

    term: str
    aliases: tuple[str, ...]
    definition: str
    module: str | None = None


@dataclass(frozen=True)
class Addition:
    """Cards a local pack appends to a module of another pack."""

    module_id: str
    cards: tuple[Card, ...]
    path: str
    line: int


@dataclass(frozen=True)
class Pack:
    """A folder of modules with a manifest.

    A local pack `extends` another (usually 'core') and belongs to one `council` (its code):
    its modules, additions and variables are seen only by that council's learners.
    """

    id: str
    title: str
    version: str
    tracks: tuple[Track, ...]
    modules: tuple[Module, ...]
    glossary: tuple[GlossaryEntry, ...] = ()
    path: str = ""
    extends: str | None = None
    council: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    additions: tuple[Addition, ...] = ()


@dataclass(frozen=True)
class Curriculum:
    """The modules a learner can take, in delivery order, with lookups by id."""

    packs: tuple[Pack, ...]
    variables: tuple[tuple[str, str], ...] = ()
    modules: tuple[Module, ...] = field(init=False)
    _by_id: dict[str, Module] = field(init=False, repr=False, compare=False)
    _question_index: dict[str, tuple[Module, Question]] = field(
        init=False, repr=False, compare=False
    )
    _views: dict[str | None, Curriculum] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        modules = tuple(module for pack in self.packs for module in pack.modules)
        object.__setattr__(self, "modules", modules)
        object.__setattr__(self, "_by_id", {m.id: m for m in modules})
        object.__setattr__(
            self,
            "_question_index",
            {q.id: (m, q) for m in modules for q in (*m.questions, *m.variants)},
        )
        object.__setattr__(self, "_views", {})

    def for_council(self, council: str | None) -> Curriculum:
        """What one council's learners see: shared packs plus that council's local packs,
        with local cards appended to the modules they extend and the council's variables."""
        if council in self._views:
            return self._views[council]
        packs = [p for p in self.packs if p.council is None or p.council == council]
        extra: dict[str, list[Card]] = {}
        for pack in packs:
            for addition in pack.additions:
                extra.setdefault(addition.module_id, []).extend(addition.cards)
        shown = tuple(
            replace(
                pack,
                modules=tuple(
                    replace(m, cards=m.cards + tuple(extra[m.id])) if m.id in extra else m
                    for m in pack.modules
                ),
            )
            for pack in packs
        )
        variables = tuple(pair for pack in packs for pair in pack.variables)
        view = Curriculum(shown, variables)
        self._views[council] = view
        return view

    def module(self, module_id: str) -> Module | None:
        """The module with this id, or None if the curriculum no longer has it."""
        return self._by_id.get(module_id)

    def find_question(self, question_id: str) -> tuple[Module, Question] | None:
        """The module and question for a question id, or None."""
        return self._question_index.get(question_id)

    def position(self, module_id: str) -> int | None:
        """The 0-based delivery position of a module, or None."""
        for index, module in enumerate(self.modules):
            if module.id == module_id:
                return index
        return None

    def track_title(self, track_id: str) -> str:
        """The title of a track, or its id if no pack names it."""
        for pack in self.packs:
            for track in pack.tracks:
                if track.id == track_id:
                    return track.title
        return track_id

    @property
    def glossary(self) -> tuple[GlossaryEntry, ...]:
        """All glossary entries of all packs."""
        return tuple(entry for pack in self.packs for entry in pack.glossary)
