"""The capability maturity model: five levels per NAO area, and the modules that help.

Content in (`maturity.yaml` beside the core pack), frozen values out, every problem reported
as file:line like the rest of the loader. Pure apart from reading the one file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lessons.model import Curriculum, Source
from lessons.problems import ContentError, Problem

LEVEL_KEYS = ("minimum", "developing", "mature", "leader", "innovator")
LEVEL_NAMES = ("Minimum", "Developing", "Mature", "Leader", "Innovator")
ALL_AREAS = tuple(range(1, 12))
DEFAULT_AREAS = tuple(range(1, 9))
MAX_STATEMENT = 200
MAX_AREA_TITLE = 60
_AREA_LIST = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")


@dataclass(frozen=True)
class AreaMaturity:
    """One NAO area: what each level looks like, and the curriculum that helps."""

    area: int
    title: str
    statements: tuple[str, ...]  # Minimum … Innovator
    tracks: tuple[str, ...]
    modules: tuple[str, ...]
    line: int

    def statement(self, level: int) -> str:
        """The statement of a level, 1 (Minimum) to 5 (Innovator)."""
        return self.statements[level - 1]


@dataclass(frozen=True)
class MaturityModel:
    """The five-level model for NAO areas 1 to 11."""

    areas: tuple[AreaMaturity, ...]
    sources: tuple[Source, ...]
    reviewed: dt.date | None
    path: str

    def area(self, number: int) -> AreaMaturity | None:
        """The area with this number, or None."""
        return next((a for a in self.areas if a.area == number), None)

    def recommend(
        self, answers: Mapping[int, tuple[int, int]], done: Iterable[str] = ()
    ) -> tuple[str, ...]:
        """Modules that close the gaps, widest gap first (then area order), each once,
        leaving out modules already completed. `answers` maps area → (level, target)."""
        finished = set(done)
        gaps = sorted(
            (level - target, area)
            for area, (level, target) in answers.items()
            if target > level and self.area(area) is not None
        )
        chosen: list[str] = []
        for _gap, number in gaps:
            found = self.area(number)
            assert found is not None
            chosen += [m for m in found.modules if m not in chosen and m not in finished]
        return tuple(chosen)


def level_name(level: int) -> str:
    """The name of a level, 1 (Minimum) to 5 (Innovator)."""
    return LEVEL_NAMES[level - 1]


def parse_areas(text: str) -> tuple[int, ...] | None:
    """A council's areas from text like "1-8", "1-8,10" or "1-11"; None if not valid."""
    if not _AREA_LIST.match(text or ""):
        return None
    areas: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        low, high = int(first), int(last or first)
        if low > high or low not in ALL_AREAS or high not in ALL_AREAS:
            return None
        areas.update(range(low, high + 1))
    return tuple(sorted(areas))


def maturity_file(pack_folder: Path) -> Path:
    """Where a pack keeps its maturity model."""
    return pack_folder / "maturity.yaml"


def load_maturity(path: Path) -> tuple[MaturityModel | None, list[Problem]]:
    """Read and check a maturity model; return it (None if unusable) and its problems."""
    problems: list[Problem] = []
    name = str(path)
    if not path.is_file():
        return None, [Problem(name, 1, "the maturity model maturity.yaml is missing")]
    text = path.read_text("utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(name, line, f"not valid YAML: {getattr(error, 'problem', error)}")]
    if not isinstance(raw, dict) or not isinstance(node, yaml.MappingNode):
        return None, [Problem(name, 1, "maturity.yaml must be a mapping with 'areas'")]
    lines = _item_lines(node, "areas")
    areas = _areas(raw.get("areas"), lines, name, problems)
    model = MaturityModel(
        areas=tuple(areas),
        sources=_sources(raw.get("sources"), name, problems),
        reviewed=raw.get("reviewed") if isinstance(raw.get("reviewed"), dt.date) else None,
        path=name,
    )
    return model, problems


def check_against(model: MaturityModel, curriculum: Curriculum) -> list[Problem]:
    """Problems with the tracks and modules the model names, for this curriculum."""
    tracks = {track.id for pack in curriculum.packs for track in pack.tracks}
    problems = []
    for area in model.areas:
        problems += [
            Problem(model.path, area.line, f"area {area.area}: no module {m!r} in the curriculum")
            for m in area.modules
            if curriculum.module(m) is None
        ]
        problems += [
            Problem(model.path, area.line, f"area {area.area}: no track {t!r} in the curriculum")
            for t in area.tracks
            if t not in tracks
        ]
    return problems


def load_checked(path: Path, curriculum: Curriculum) -> MaturityModel:
    """Load a maturity model and check it against the curriculum; raise ContentError
    listing every problem."""
    model, problems = load_maturity(path)
    if model is not None:
        problems += check_against(model, curriculum)
    if problems or model is None:
        raise ContentError(problems)
    return model


def _item_lines(root: yaml.MappingNode, key: str) -> list[int]:
    for key_node, value in root.value:
        if getattr(key_node, "value", None) == key and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _areas(raw: Any, lines: list[int], path: str, problems: list[Problem]) -> list[AreaMaturity]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path, 1, "'areas' must be a list of NAO areas 1 to 11"))
        return []
    areas: list[AreaMaturity] = []
    for index, item in enumerate(raw):
        line = lines[index] if index < len(lines) else 1
        area = _area(item, line, path, problems)
        if area is None:
            continue
        if any(a.area == area.area for a in areas):
            problems.append(Problem(path, line, f"area {area.area} appears twice"))
            continue
        areas.append(area)
    missing = sorted(set(ALL_AREAS) - {a.area for a in areas})
    if missing:
        listed = ", ".join(str(n) for n in missing)
        problems.append(Problem(path, 1, f"areas missing from the model: {listed}"))
    return sorted(areas, key=lambda a: a.area)


def _area(item: Any, line: int, path: str, problems: list[Problem]) -> AreaMaturity | None:
    if not isinstance(item, dict):
        problems.append(Problem(path, line, "an area needs area, title, modules and statements"))
        return None
    number = item.get("area")
    if not isinstance(number, int) or number not in ALL_AREAS:
        problems.append(Problem(path, line, f"area must be a number from 1 to 11, not {number!r}"))
        return None
    title = str(item.get("title") or "").strip()
    if not title or len(title) > MAX_AREA_TITLE:
        problems.append(Problem(path, line, f"area {number}: a title of 1-{MAX_AREA_TITLE} chars"))
    statements = _statements(item.get("statements"), number, line, path, problems)
    modules = _names(item.get("modules"), "modules", number, line, path, problems)
    if not modules:
        problems.append(Problem(path, line, f"area {number}: name at least one module"))
    tracks = _names(item.get("tracks", []), "tracks", number, line, path, problems)
    if statements is None:
        return None
    return AreaMaturity(number, title, statements, tracks, modules, line)


def _statements(
    raw: Any, number: int, line: int, path: str, problems: list[Problem]
) -> tuple[str, ...] | None:
    if not isinstance(raw, dict):
        problems.append(Problem(path, line, f"area {number}: statements must map each level"))
        return None
    found: list[str] = []
    for key in LEVEL_KEYS:
        value = str(raw.get(key) or "").strip()
        if not value:
            problems.append(Problem(path, line, f"area {number}: no statement for {key!r}"))
        elif len(value) > MAX_STATEMENT:
            problems.append(
                Problem(
                    path,
                    line,
                    f"area {number}, {key}: statement is {len(value)} characters; "
                    f"at most {MAX_STATEMENT}",
                )
            )
        found.append(value)
    unknown = sorted(set(map(str, raw)) - set(LEVEL_KEYS))
    if unknown:
        problems.append(Problem(path, line, f"area {number}: unknown levels {', '.join(unknown)}"))
    return tuple(found) if all(found) else None


def _names(
    raw: Any, what: str, number: int, line: int, path: str, problems: list[Problem]
) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.append(Problem(path, line, f"area {number}: {what} must be a list of ids"))
        return ()
    return tuple(raw)


def _sources(raw: Any, path: str, problems: list[Problem]) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path, 1, "name the model's sources: a list of title and url"))
        return ()
    sources = []
    for item in raw:
        if (
            isinstance(item, dict)
            and item.get("title")
            and str(item.get("url", "")).startswith("https://")
        ):
            sources.append(Source(str(item["title"]), str(item["url"])))
        else:
            problems.append(Problem(path, 1, f"a source needs a title and an https url: {item!r}"))
    return tuple(sources)


def builtin_maturity(curriculum: Curriculum) -> MaturityModel:
    """The model shipped with the core pack, checked against the curriculum's modules
    when the curriculum includes the core pack (a test's demo curriculum does not)."""
    from lessons.loader import builtin_pack_path  # the loader imports much; only here

    path = maturity_file(builtin_pack_path("core"))
    model, problems = load_maturity(path)
    if model is not None and any(pack.id == "core" for pack in curriculum.packs):
        problems += check_against(model, curriculum)
    if problems or model is None:
        raise ContentError(problems)
    return model
