"""The layer contracts in pyproject.toml hold with no exceptions, and `lint-imports` really
catches a wrong import (a contract that could not fail would prove nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lessons", "bot", "scheduler", "adapters", "storage", "app", "dashboard")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [str(LINT), "--config", str(folder / "pyproject.toml"), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_wrong_import_breaks_a_contract(tmp_path: Path) -> None:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("packs"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint(tmp_path).returncode == 0
    probe = tmp_path / "bot" / "flows" / "probe.py"
    probe.write_text('"""A flow that reaches into storage."""\n\nimport storage.tables\n')
    result = lint(tmp_path)
    assert result.returncode == 1
    assert "bot imports neither storage, adapters, dashboard nor app BROKEN" in result.stdout
    assert "bot.flows.probe -> storage.tables" in result.stdout


def test_no_contract_has_exceptions() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert [c["name"] for c in contracts if c.get("ignore_imports")] == []
