"""Each rule has one home, checked on the source itself: audit rows are written by one
function, and role names are compared only inside the permission model (`bot.access`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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
ROLE_NAMES = {"learner", "manager", "council_admin", "content_author", "platform_admin"}


def sources() -> Iterator[tuple[str, ast.Module]]:
    """Every module of ours outside tests and migrations, parsed."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


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
