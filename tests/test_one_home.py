"""Each rule has one home, checked on the source itself: audit rows are written by one
function, role names are compared only inside the permission model (`bot.access`), no
module (400 lines) or function (60 lines) outside tests and migrations grows too long, and
each concept has one definition: a learner's pacing and its defaults, a working day,
leave (`scheduler.pacing`), a person's standing (`bot.people`) and who may see whom in
SQL (`storage.visibility`). A listed exception may go, never grow."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import cache
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


@cache
def texts() -> tuple[tuple[str, str], ...]:
    """Every module of ours outside tests and migrations, with its text."""
    return tuple(
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    )


@cache
def sources() -> tuple[tuple[str, ast.Module], ...]:
    """Every module of ours outside tests and migrations, parsed (once: the checks only
    read the trees)."""
    return tuple((name, ast.parse(text)) for name, text in texts())


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


# --- One definition of each concept (issue 16): pacing, working day, leave, behind, scope ---

PACING_HOME = "scheduler/pacing.py"
# The pacing defaults as literals: written once, in scheduler/pacing.py.
DEFAULT_LITERALS = {"08:00", "18:00", "09:00", "Europe/London", "england", "mon tue wed thu fri"}
DEFAULT_TIMES = {(8, 0), (18, 0), (9, 0)}


def _calls(tree: ast.Module, name: str) -> Iterator[ast.Call]:
    """Calls of `name(...)` or `something.name(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                yield node


def _where(check: Callable[[ast.Module], Iterator[ast.AST]]) -> set[str]:
    """The modules in which `check(tree)` yields anything."""
    return {name for name, tree in sources() if any(True for _ in check(tree))}


def test_a_pacing_is_built_only_by_its_one_constructor() -> None:
    """`scheduler.pacing.learner_pacing` fills in the defaults; nobody else builds a
    `Pacing` (the planner's bulk read, storage/plan_reads.py, calls it too)."""
    assert _where(lambda tree: _calls(tree, "Pacing")) <= {PACING_HOME}


def _default_literals(tree: ast.Module) -> Iterator[ast.AST]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in DEFAULT_LITERALS:
            yield node
    for call in _calls(tree, "time"):
        values = tuple(a.value for a in call.args if isinstance(a, ast.Constant))
        if len(values) == 2 and values in DEFAULT_TIMES:
            yield call


def test_pacing_defaults_are_written_once() -> None:
    """Working hours, learning time, time zone, nation and working days by default come
    from scheduler/pacing.py. Known others, which may only go: the terminal prints UK
    time; the simulation draws nations and checks bank holidays its own way."""
    allowed = {
        PACING_HOME,
        "adapters/terminal/adapter.py",
        "app/sim/learners.py",
        "app/sim/metrics.py",
    }
    assert _where(_default_literals) <= allowed


def _day_names_or_holidays(tree: ast.Module) -> Iterator[ast.AST]:
    """A weekday turned into a day name (`NAMES[day.weekday()]`, `strftime("%a")`), a
    weekday compared with a number (`day.weekday() < 5`), or a bank holiday calendar."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and any(
            True for _ in _calls(ast.Module([ast.Expr(node.slice)], []), "weekday")
        ):
            yield node
        if isinstance(node, ast.Compare) and any(
            isinstance(part, ast.Call) and getattr(part.func, "attr", None) == "weekday"
            for part in (node.left, *node.comparators)
        ):
            yield node
    for call in _calls(tree, "strftime"):
        if any(isinstance(a, ast.Constant) and "%a" in str(a.value) for a in call.args):
            yield call
    yield from _calls(tree, "country_holidays")


def test_working_days_are_decided_only_by_pacing() -> None:
    """`scheduler.pacing.is_working_day` (working days, bank holidays, leave) is the one
    definition (the App Home's streak, "behind" and sending use it); the simulation's
    rule checks are a deliberate second reading."""
    allowed = {PACING_HOME, "app/sim/metrics.py"}
    assert _where(_day_names_or_holidays) <= allowed


def _leave_date_compared(tree: ast.Module) -> Iterator[ast.AST]:
    """A leave date compared with a date (not a test for None)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        parts = (node.left, *node.comparators)
        if any(
            isinstance(part, ast.Attribute) and part.attr in {"away_from", "away_until"}
            for part in parts
        ) and not any(isinstance(part, ast.Constant) and part.value is None for part in parts):
            yield node


def test_leave_is_decided_only_by_pacing() -> None:
    """On leave (`scheduler.pacing.on_leave`) and leave not over yet (`leave_end`) are
    defined once. Known others: the planner shifts refreshers by the length of leave that
    ended, and `/start` ending leave early keeps only its days before today."""
    allowed = {PACING_HOME, "scheduler/planner.py", "bot/flows/account.py"}
    assert _where(_leave_date_compared) <= allowed


def test_standing_is_decided_once() -> None:
    """On track, behind, stuck, away: `bot.people.standing_of`, for chat, the dashboard
    and the standing export."""
    assert _where(lambda tree: _calls(tree, "MemberStanding")) == {"bot/people.py"}


def _team_filter(tree: ast.Module) -> Iterator[ast.AST]:
    """`...Learner.team_id...in_(...)`: learners filtered by team in SQL."""
    for call in _calls(tree, "in_"):
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if receiver is not None and "team_id" in ast.unparse(receiver):
            yield call


def test_who_may_see_whom_becomes_sql_once() -> None:
    """The rule is `bot.access.visible_team_ids`; `storage.visibility` is its one SQL
    form, used by the dashboard, the team report, the people commands and exports."""
    assert _where(_team_filter) == {"storage/visibility.py"}
