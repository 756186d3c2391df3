"""Load packs from folders, check them together, and build a Curriculum."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lessons import limits
from lessons.estimate import estimate_minutes
from lessons.files import read_text_file
from lessons.frontmatter import load_yaml_file, node_lines
from lessons.model import Addition, Curriculum, GlossaryEntry, Module, Pack, Track
from lessons.parse import parse_addition, parse_module
from lessons.problems import ContentError, Problem
from lessons.render import (
    COUNCIL_VARIABLES,
    MAX_VALUE,
    RenderError,
    council_context,
    render_text,
)

BUILTIN_PACKS = ("core",)


def builtin_pack_path(name: str) -> Path:
    """The folder of a pack shipped with Contract Bites (e.g. 'core', 'demo')."""
    return Path(str(resources.files("lessons") / "packs" / name))


def default_pack_paths() -> list[Path]:
    """The built-in curriculum."""
    return [builtin_pack_path(name) for name in BUILTIN_PACKS]


def load_pack(folder: Path) -> tuple[Pack | None, list[Problem]]:
    """Load one pack folder; return it (None if unusable) and its own problems."""
    problems: list[Problem] = []
    manifest_path = folder / "pack.yaml"
    if not manifest_path.is_file():
        problems.append(Problem(str(manifest_path), 1, "a pack needs a pack.yaml manifest"))
        return None, problems
    manifest_text = read_text_file(manifest_path, problems)
    if manifest_text is None:
        return None, problems
    manifest = load_yaml_file(str(manifest_path), manifest_text, problems)
    if not isinstance(manifest, dict):
        if not problems:
            problems.append(Problem(str(manifest_path), 1, "pack.yaml must be a mapping"))
        return None, problems
    pack_id = _manifest_text(manifest, "id", manifest_path, problems)
    tracks = _tracks(manifest.get("tracks"), manifest_path, problems)
    modules: list[Module] = []
    module_files = sorted((folder / "modules").glob("*.md"))
    additions = _additions(folder, problems)
    if not module_files and not additions:
        problems.append(
            Problem(str(manifest_path), 1, "the pack has no modules/*.md or additions/*.md files")
        )
    for file in module_files:
        text = read_text_file(file, problems)
        if text is None:
            continue
        module, found = parse_module(str(file), text, pack_id)
        problems.extend(found)
        if module is not None:
            modules.append(module)
    order = {track.id: index for index, track in enumerate(tracks)}
    modules.sort(key=lambda m: (order.get(m.track, len(order)), Path(m.path).name))
    pack = Pack(
        id=pack_id,
        title=_manifest_text(manifest, "title", manifest_path, problems),
        version=str(manifest.get("version", "")),
        tracks=tuple(tracks),
        modules=tuple(modules),
        glossary=_glossary(folder / "glossary.yaml", problems),
        path=str(folder),
        extends=_optional_text(manifest, "extends", manifest_path, problems),
        council=_optional_text(manifest, "council", manifest_path, problems),
        variables=_variables(manifest.get("variables"), manifest_path, problems),
        additions=tuple(additions),
    )
    if pack.council is None and (pack.additions or pack.variables):
        problems.append(
            Problem(
                str(manifest_path),
                1,
                "a pack with additions or variables must name its council: council: CODE",
            )
        )
    return pack, problems


def with_base_packs(folders: Sequence[Path]) -> list[Path]:
    """The folders, preceded by any built-in pack they extend that is not among them."""
    result = list(folders)
    named = {_pack_id(folder) for folder in result}
    for folder in folders:
        base = _extends(folder)
        if base in BUILTIN_PACKS and base not in named:
            result.insert(0, builtin_pack_path(base))
            named.add(base)
    return result


def validate_packs(folders: Sequence[Path]) -> tuple[list[Pack], list[Problem]]:
    """Load packs and run every check, within and across packs."""
    packs: list[Pack] = []
    problems: list[Problem] = []
    for folder in folders:
        pack, found = load_pack(folder)
        problems.extend(found)
        if pack is not None:
            packs.append(pack)
    problems.extend(_cross_checks(packs))
    return packs, sorted(set(problems))


def load_curriculum(folders: Sequence[Path] | None = None) -> Curriculum:
    """Load packs into a Curriculum; raise ContentError listing every problem."""
    packs, problems = validate_packs(folders or default_pack_paths())
    if problems:
        raise ContentError(problems)
    return Curriculum(tuple(packs))


def _cross_checks(packs: Sequence[Pack]) -> list[Problem]:
    problems = _module_checks(packs)
    pack_ids = {p.id for p in packs}
    for pack in packs:
        manifest = str(Path(pack.path) / "pack.yaml")
        if pack.extends is not None and pack.extends not in pack_ids:
            problems.append(
                Problem(
                    manifest,
                    1,
                    f"extends '{pack.extends}', which is not loaded: "
                    "validate it together with that pack",
                )
            )
        visible = {
            m.id for p in packs if p.council is None or p.council == pack.council for m in p.modules
        }
        context = council_context(dict(pack.variables))
        for addition in pack.additions:
            if addition.module_id not in visible:
                problems.append(
                    Problem(
                        addition.path,
                        addition.line,
                        "dangling local reference: module "
                        f"'{addition.module_id}' is not in the curriculum (renamed or "
                        "withdrawn upstream?): point it at a current module or remove it",
                    )
                )
            for card in addition.cards:
                problems.extend(
                    _template_problem(
                        addition.path, card.line, card.title + "\n" + card.body, context
                    )
                )
    return problems


def _module_checks(packs: Iterable[Pack]) -> list[Problem]:
    problems: list[Problem] = []
    module_ids: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    context = council_context()
    packs = list(packs)
    track_ids = {t.id for pack in packs for t in pack.tracks}
    for pack in packs:
        for module in pack.modules:
            where = f"{module.path}:1"
            if module.id in module_ids:
                problems.append(
                    Problem(
                        module.path,
                        2,
                        f"duplicate module id '{module.id}' (also in {module_ids[module.id]})",
                    )
                )
            module_ids.setdefault(module.id, where)
            if module.track not in track_ids:
                problems.append(
                    Problem(
                        module.path,
                        4,
                        f"track '{module.track}' is not in the pack's "
                        f"pack.yaml (known: {', '.join(sorted(track_ids))})",
                    )
                )
            minutes = estimate_minutes(module)
            if minutes > limits.MAX_MODULE_MINUTES:
                problems.append(
                    Problem(
                        module.path,
                        1,
                        f"the module takes about {minutes} minutes; "
                        f"at most {limits.MAX_MODULE_MINUTES}: move cards or questions "
                        "into another module",
                    )
                )
            for question in (*module.questions, *module.variants):
                if question.id in question_ids:
                    problems.append(
                        Problem(
                            module.path,
                            question.line,
                            f"duplicate question id '{question.id}' "
                            f"(also in {question_ids[question.id]})",
                        )
                    )
                question_ids.setdefault(question.id, f"{module.path}:{question.line}")
            problems.extend(_template_problems(module, context))
    return problems


def _template_problems(module: Module, context: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    texts: list[tuple[int, str]] = [(c.line, c.title + "\n" + c.body) for c in module.cards]
    for q in (*module.questions, *module.variants):
        texts.append((q.line, "\n".join([q.stem, q.explanation, *(o.text for o in q.options)])))
    for line, text in texts:
        problems.extend(_template_problem(module.path, line, text, context))
    return problems


def _template_problem(path: str, line: int, text: str, context: dict[str, Any]) -> list[Problem]:
    try:
        render_text(text, context)
    except RenderError as error:
        known = ", ".join(f"council.{k}" for k in sorted(context["council"]))
        return [Problem(path, line, f"broken template: {error}; known variables are {known}")]
    return []


def _manifest_text(manifest: dict[str, Any], key: str, path: Path, problems: list[Problem]) -> str:
    value = manifest.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(str(path), 1, f"pack.yaml needs '{key}' (text)"))
        return ""
    return value


def _optional_text(
    manifest: dict[str, Any], key: str, path: Path, problems: list[Problem]
) -> str | None:
    value = manifest.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(str(path), 1, f"'{key}' must be text"))
        return None
    return value.strip()


def _variables(raw: Any, path: Path, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.append(Problem(str(path), 1, "variables must be a mapping of name: value"))
        return ()
    pairs = []
    for key, value in raw.items():
        if key not in COUNCIL_VARIABLES:
            known = ", ".join(sorted(COUNCIL_VARIABLES))
            problems.append(Problem(str(path), 1, f"unknown variable '{key}': use one of {known}"))
            continue
        if len(str(value)) > MAX_VALUE:
            problems.append(
                Problem(str(path), 1, f"variable '{key}' is longer than {MAX_VALUE} characters")
            )
            continue
        pairs.append((str(key), str(value)))
    return tuple(pairs)


def _additions(folder: Path, problems: list[Problem]) -> list[Addition]:
    additions = []
    for file in sorted((folder / "additions").glob("*.md")):
        text = read_text_file(file, problems)
        if text is None:
            continue
        addition, found = parse_addition(str(file), text)
        problems.extend(found)
        if addition is not None:
            additions.append(addition)
    return additions


def _manifest_file(folder: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load((folder / "pack.yaml").read_text("utf-8"))
    except (OSError, ValueError, RecursionError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _pack_id(folder: Path) -> str | None:
    value = _manifest_file(folder).get("id")
    return value if isinstance(value, str) else None


def _extends(folder: Path) -> str | None:
    value = _manifest_file(folder).get("extends")
    return value if isinstance(value, str) else None


def _tracks(raw: Any, path: Path, problems: list[Problem]) -> list[Track]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(str(path), 1, "pack.yaml needs 'tracks': a list of id and title"))
        return []
    tracks = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item.get("title"):
            tracks.append(Track(item["id"], str(item["title"])))
        else:
            problems.append(Problem(str(path), 1, f"a track needs an id and a title: {item!r}"))
    return tracks


def _glossary(path: Path, problems: list[Problem]) -> tuple[GlossaryEntry, ...]:
    if not path.is_file():
        return ()
    text = read_text_file(path, problems)
    if text is None:
        return ()
    raw = load_yaml_file(str(path), text, problems)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(str(path), 1, "the glossary must be a list of entries"))
        return ()
    lines = node_lines(text)
    entries = []
    for index, item in enumerate(raw):
        line = lines[index] if index < len(lines) else 1
        if not isinstance(item, dict) or not item.get("term") or not item.get("definition"):
            problems.append(Problem(str(path), line, "an entry needs 'term' and 'definition'"))
            continue
        definition = str(item["definition"]).strip()
        if len(definition) > limits.MAX_DEFINITION:
            problems.append(
                Problem(
                    str(path),
                    line,
                    f"definition is {len(definition)} characters; at most {limits.MAX_DEFINITION}",
                )
            )
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            problems.append(Problem(str(path), line, "aliases must be a list"))
            aliases = []
        module = item.get("module")
        entries.append(
            GlossaryEntry(
                str(item["term"]),
                tuple(str(a) for a in aliases),
                definition,
                str(module) if module else None,
            )
        )
    return tuple(entries)
