"""Each rule has one home, checked on the source itself: audit rows are written by one
function, role names are compared only inside the permission model (`bot.access`), and
no module (400 lines) or function (60 lines) outside tests and migrations grows too long."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

from bot.effects import FlowEffect

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "adapters",
    "app",
    "bot",
    "dashboard",
    "lessons",
    "runtime",
    "scheduler",
    "storage",
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
ROLE_NAMES = {"learner", "manager", "council_admin", "content_author", "platform_admin"}


def texts() -> Iterator[tuple[str, str]]:
    """Every module of ours outside tests and migrations, with its text."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def sources() -> Iterator[tuple[str, ast.Module]]:
    """Every module of ours outside tests and migrations, parsed."""
    for name, text in texts():
        yield name, ast.parse(text)


def test_audit_rows_have_one_writer() -> None:
    writers = {
        name
        for name, tree in sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "AuditLog"
    }
    assert writers == {"storage/audit.py"}


def _names_a_role(node: ast.expr) -> bool:
    values = node.elts if isinstance(node, (ast.Set, ast.Tuple, ast.List)) else [node]
    return any(isinstance(v, ast.Constant) and v.value in ROLE_NAMES for v in values)


def _role_check(node: ast.AST) -> bool:
    """A comparison with a role's name, or a set of role names (to intersect with)."""
    if isinstance(node, ast.Compare):
        return any(_names_a_role(operand) for operand in (node.left, *node.comparators))
    return isinstance(node, ast.Set) and _names_a_role(node)


def test_role_names_are_compared_only_in_the_permission_model() -> None:
    checks = [
        f"{name}:{node.lineno}"
        for name, tree in sources()
        if name != "bot/access.py"
        for node in ast.walk(tree)
        if _role_check(node)
    ]
    assert checks == []


def test_no_module_is_over_400_lines() -> None:
    long = {name: n for name, text in texts() if (n := len(text.splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long = {
        f"{name}:{node.name}": node.end_lineno - node.lineno + 1
        for name, tree in sources()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == {}


def test_every_flow_effect_has_its_case() -> None:
    """The `match` of storage.effects names each member of the union once (mypy checks
    the same through `assert_never`; this says which one is missing without mypy)."""
    tree = ast.parse((ROOT / "storage" / "effects.py").read_text(encoding="utf-8"))
    cases = [
        node.cls.id
        for node in ast.walk(tree)
        if isinstance(node, ast.MatchClass) and isinstance(node.cls, ast.Name)
    ]
    assert sorted(cases) == sorted(member.__name__ for member in get_args(FlowEffect))
