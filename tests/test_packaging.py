"""The package as people install it: its licence, a clean build, and readable CLI help."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app

ROOT = Path(__file__).resolve().parent.parent


def test_the_licence_is_apache_2_in_the_file_and_the_metadata() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not a table
    assert project["license-files"] == ["LICENSE"]


def test_building_the_wheel_gives_no_deprecation_warnings(tmp_path: Path) -> None:
    """What `pip install` runs: setuptools in an isolated build environment."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    output = build.stdout + build.stderr
    assert "Deprecat" not in output, output[output.find("Deprecat") - 500 :][:1500]
    (wheel,) = tmp_path.glob("contract_bites-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    assert "License-Expression: Apache-2.0" in lines


def test_cli_help_shows_no_type_placeholders_on_flags() -> None:
    for command in ([], ["serve"], ["chat"], ["council", "add"]):
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "<bool>" not in result.output
        assert "--help  " in result.output or "--help " in result.output
