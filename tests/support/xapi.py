"""An xAPI 1.0.3 statement validator for the tests: the JSON Schema written from the
specification (tests/fixtures/xapi/statement.schema.json) plus the rules a schema cannot
state."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).parent.parent / "fixtures" / "xapi" / "statement.schema.json"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def xapi_problems(statement: Any) -> list[str]:
    """Every way a statement breaks xAPI 1.0.3 (empty when it is valid)."""
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(statement)'}: {error.message}"
        for error in _validator().iter_errors(statement)
    ]
    score = (statement.get("result") or {}).get("score") if isinstance(statement, dict) else None
    if isinstance(score, dict):
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and not low < high:
            problems.append("result/score: min must be less than max")
        if raw is not None and low is not None and raw < low:
            problems.append("result/score: raw is below min")
        if raw is not None and high is not None and raw > high:
            problems.append("result/score: raw is above max")
    return problems
