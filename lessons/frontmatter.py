"""Split a Markdown file into YAML front matter and body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from lessons.problems import Problem


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
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
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
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 1) if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(path, line, f"not valid YAML: {reason}"))
        return None


def node_lines(text: str) -> list[int]:
    """For a YAML sequence document, the 1-based line where each item starts."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]
