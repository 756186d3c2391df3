"""The `bites` command line, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BITES = str(Path(sys.executable).parent / "bites")


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BITES, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_scripted_chat_prints_replies_with_numbered_buttons(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'chat.db'}"
    script = "/start\n1\n2\n1\n/progress\n"
    result = run("chat", "--db", db, "--user", "ann", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Welcome to Contract Bites.")
    assert "[1] Try the demo council\n[2] I have a join code\n" in out
    assert "All set: your daily bite comes at 12:30, Monday to Friday." in out
    assert "Module 1 of 46: Why contract management matters" in out
    assert "Your progress: 0 of 46 modules done.\nIn progress:\n" in out
    # The same learner continues in a second session on the same database.
    # The first module starts with the learning-effect pre-test, which can be skipped.
    again = run("chat", "--db", db, "--user", "ann", stdin="/next\nSkip\n")
    assert again.stdout.startswith("Before you start (1 of 2)")
    assert "\nCard 1 of " in again.stdout


def test_chat_labels_work_like_numbers_and_council_joins(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'chat.db'}"
    result = run("chat", "--db", db, "--org", "demo", stdin="/start\n08:30\n")
    assert "You have joined Demo Council." in result.stdout
    assert "All set: your daily bite comes at 08:30" in result.stdout


def test_chat_with_a_simulated_clock_shows_the_next_days_arriving(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'chat.db'}"
    script = "/start\n1\n12:30\n/wait 2d\n1\n/wait soon\n"
    result = run(
        "chat", "--db", db, "--simulated-clock", "--start", "2026-03-02T09:00", stdin=script
    )
    assert result.returncode == 0, result.stderr
    assert (
        "-- Tue 03 Mar 2026 12:30 (UK time) --\n"
        "Your daily bite is ready: Why contract management matters, module 1 of 46, about 10 "
        "minutes.\n[1] Start\n\n(waited 2d: 1 message(s) arrived)\n\n"
        "Module 1 of 46: Why contract management matters\n"
    ) in result.stdout
    assert result.stdout.endswith("Type /wait with a duration like 2d, 3h or 30m.\n\n")


def test_content_validate_passes_on_the_built_in_curriculum() -> None:
    result = run("content", "validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: 1 pack(s), ")


def test_content_validate_fails_with_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "modules").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: p\ntitle: P\ntracks:\n  - id: T\n    title: T\n")
    (pack / "modules" / "bad.md").write_text("no front matter\n")
    result = run("content", "validate", str(pack))
    assert result.returncode == 1
    assert f"{pack}/modules/bad.md:1: the file must start with a '---' line" in result.stdout
    assert "problem(s) found." in result.stderr


def test_content_stats_json() -> None:
    result = run("content", "stats", "--json")
    data = json.loads(result.stdout)
    assert data["totals"]["modules"] == len(data["modules"]) >= 34
    first = data["modules"][0]
    assert set(first) >= {"id", "track", "estimated_minutes", "cards", "questions"}
    assert all(m["estimated_minutes"] <= 20 for m in data["modules"])


def test_a_bad_setting_names_the_variable(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "CB_PORT": "eighty"}
    result = run("chat", "--db", f"sqlite:///{tmp_path / 'x.db'}", env=env)
    assert result.returncode == 2
    assert "CB_PORT: Input should be a valid integer" in result.stderr


@pytest.mark.parametrize("command", [[], ["chat"], ["content", "validate"], ["serve"]])
def test_help_texts(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "Usage: bites" in result.stdout


def test_gift_export_then_import_through_the_cli(tmp_path: Path) -> None:
    exported = run("content", "gift", "export", "k3-modifying-contracts")
    assert exported.returncode == 0, exported.stderr
    assert "$CATEGORY: contract-bites/k3-modifying-contracts" in exported.stdout
    gift = tmp_path / "k3.gift"
    gift.write_text(exported.stdout, "utf-8")
    imported = run("content", "gift", "import", str(gift))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("## Question: k3-q1\n")
    missing = run("content", "gift", "export", "no-such-module")
    assert missing.returncode == 1
    assert "No module 'no-such-module'" in missing.stderr


def test_council_add_then_join_with_its_code(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    added = run(
        "council",
        "add",
        "--code",
        "borsetshire",
        "--name",
        "Borsetshire CC",
        "--join-code",
        "BORS-26",
        "--db",
        db,
    )
    assert (
        added.stdout == "Council borsetshire: Borsetshire CC. Officers join with /start BORS-26\n"
    )
    chat = run("chat", "--db", db, stdin="/start BORS-26\n")
    assert "You have joined Borsetshire CC." in chat.stdout


def test_council_set_changes_pacing_and_names_bad_values(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run("council", "add", "--code", "alba", "--name", "Alba", "--join-code", "ALBA", "--db", db)
    result = run(
        "council", "set", "alba", "--nation", "scotland", "--work-start", "8.30",
        "--retention", "0.85", "--round-size", "10", "--backlog-limit", "30", "--db", db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Council alba: Europe/London, scotland, working hours 08:30-18:00, desired retention "
        "0.85, 1 lesson nudge(s) a day, refresher rounds of 10 (8 on a lesson day), new "
        "modules while at most 30 refreshers are due\n"
    )
    bad = run("council", "set", "alba", "--nation", "mars", "--timezone", "X/Y", "--db", db)
    assert bad.returncode == 2
    assert bad.stderr == (
        "--timezone: 'X/Y' is not an IANA time zone\n"
        "--nation: choose one of england, wales, scotland, northern_ireland\n"
    )
    backwards = run(
        "council", "set", "alba", "--work-start", "17:00", "--work-end", "9", "--db", db
    )
    assert (backwards.returncode, backwards.stderr) == (
        2,
        "--work-end: the working day must end after it starts\n",
    )
    missing = run("council", "set", "nowhere", "--nation", "wales", "--db", db)
    assert missing.returncode == 1
    assert "No council with the code 'nowhere'" in missing.stderr


def test_council_add_twice_shows_the_join_code_that_works(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run("council", "add", "--code", "alba", "--name", "Alba", "--join-code", "ALBA-1", "--db", db)
    again = run(
        "council", "add", "--code", "alba", "--name", "Alba", "--join-code", "OTHER", "--db", db
    )
    assert again.stdout == "Council alba: Alba. Officers join with /start ALBA-1\n"
    assert again.stderr == (
        "Council alba already exists and was not changed: its join code is ALBA-1, not OTHER.\n"
    )
    assert again.returncode == 1
    same = run(
        "council", "add", "--code", "alba", "--name", "Alba", "--join-code", "alba-1", "--db", db
    )
    assert (same.returncode, same.stderr) == (0, "")


@pytest.mark.parametrize(
    "env",
    [
        {"CB_HOST": "0.0.0.0"},  # noqa: S104  (the case refused)
        {"CB_HOST": "bites.example.gov.uk"},
        {"CB_TEAMS_APP_ID": "00000000-0000-4000-8000-00000000b0b0"},
        {"CB_TEAMS_APP_PASSWORD": "a-secret"},
    ],
)
def test_serve_refuses_the_teams_bypass_off_loopback_or_with_credentials(
    tmp_path: Path, env: dict[str, str]
) -> None:
    import os

    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "CB_TEAMS_DEV_BYPASS": "true",
        **env,
    }
    result = run("serve", env=environment)
    assert result.returncode == 2
    host = env.get("CB_HOST", "127.0.0.1")
    assert result.stderr == (
        "bad setting(s):\nCB_TEAMS_DEV_BYPASS is for development only: it needs CB_HOST on "
        f"loopback (127.0.0.1, ::1 or localhost; got '{host}') and no CB_TEAMS_APP_ID or "
        "CB_TEAMS_APP_PASSWORD\n"
    )


def test_content_validate_answers_odd_files_without_a_traceback(tmp_path: Path) -> None:
    pack = tmp_path / "odd"
    (pack / "modules" / "x.md").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: odd\ntitle: Odd\ntracks:\n  - id: T\n    title: T\n", encoding="utf-8"
    )
    (pack / "modules" / "a.md").write_bytes(b"---\nid: a\xff\n---\n")
    (pack / "modules" / "b.md").write_text(
        "---\nid: b\nlast_reviewed: 2026-13-01\n---\n", encoding="utf-8"
    )
    (pack / "modules" / "c.md").write_text(
        "---\nid: c\ntitle: C\ntrack: T\n---\n\n## Card: Macro\n\n"
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n",
        encoding="utf-8",
    )
    (pack / "glossary.yaml").write_text("- " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    result = run("content", "validate", str(pack), str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.replace(str(tmp_path) + "/", "").splitlines()
    assert "missing/pack.yaml:1: a pack needs a pack.yaml manifest" in lines
    assert "odd/modules/a.md:2: not UTF-8 text (byte 0xff): save the file as UTF-8" in lines
    assert "odd/modules/x.md:1: this is a folder, not a file: rename or remove it" in lines
    assert "odd/glossary.yaml:1: not valid YAML: nested too deeply" in lines
    assert (
        "odd/modules/b.md:3: front matter is not valid YAML: a value cannot be read "
        "(month must be in 1..12)"
    ) in lines
    assert any(
        line.startswith("odd/modules/c.md:7: broken template: '{% macro m() %}' is not allowed")
        for line in lines
    ), lines
