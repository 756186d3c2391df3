"""Split a Markdown file into YAML front matter and body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from lessons.problems import Problem

# What reading YAML can raise on odd input (see `_where`).
YAML_ERRORS = (yaml.YAMLError, ValueError, RecursionError)


@dataclass(frozen=True)
class FrontMatter:
    """Parsed front matter: values, and the 1-based line of each top-level key."""

    values: dict[str, Any]
    key_lines: dict[str, int]
    start_line: int
    end_line: int

    def line_of(self, key: str) -> int:
        """The line a key stands on, or the opening `---` line if it is missing."""
        return self.key_lines.get(key, self.start_line)


def split_front_matter(
    path: str, lines: list[str], problems: list[Problem]
) -> tuple[FrontMatter | None, int]:
    """Parse the front matter; return it and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, "the file must start with a '---' line (front matter)"))
        return None, 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(path, 1, "front matter is not closed: add a '---' line after it"))
        return None, len(lines)
    text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        values = yaml.safe_load(text)
    except YAML_ERRORS as error:
        line, reason = _where(error, text, 2)
        problems.append(Problem(path, line, f"front matter is not valid YAML: {reason}"))
        return None, end + 1
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        problems.append(Problem(path, 2, "front matter must be a YAML mapping of key: value"))
        return None, end + 1
    key_lines = {
        str(key.value): key.start_mark.line + 2
        for key, _value in node.value
        if isinstance(key, yaml.ScalarNode)
    }
    return FrontMatter(values, key_lines, 1, end + 1), end + 1


def load_yaml_file(path: str, text: str, problems: list[Problem]) -> Any:
    """Parse a YAML file, reporting a syntax error with its line."""
    try:
        return yaml.safe_load(text)
    except YAML_ERRORS as error:
        line, reason = _where(error, text, 1)
        problems.append(Problem(path, line, f"not valid YAML: {reason}"))
        return None


def _where(error: Exception, text: str, offset: int) -> tuple[int, str]:
    """The line and reason of a YAML failure; PyYAML raises ValueError for impossible
    dates (2026-02-30) and integers too long to convert, and RecursionError for nesting
    deeper than Python's stack."""
    if isinstance(error, RecursionError):
        return 1, "nested too deeply"
    if isinstance(error, ValueError):
        return _bad_value_line(text) + offset, f"a value cannot be read ({error})"
    mark = getattr(error, "problem_mark", None)
    line = (mark.line + offset) if mark is not None else 1
    return line, getattr(error, "problem", None) or str(error)


def _bad_value_line(text: str) -> int:
    """The 0-based line of the first scalar that cannot be turned into a value."""
    try:
        pending = [yaml.compose(text, Loader=yaml.SafeLoader)]
    except YAML_ERRORS:
        return 0
    loader = yaml.SafeLoader("")
    while pending:
        node = pending.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except ValueError:
                return int(node.start_mark.line)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
    return 0


def node_lines(text: str) -> list[int]:
    """For a YAML sequence document, the 1-based line where each item starts."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except YAML_ERRORS:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]
