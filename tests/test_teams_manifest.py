"""The Teams app package: manifest valid against Microsoft's published schema, icons, CLI."""

from __future__ import annotations

import datetime as dt
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from adapters.teams.manifest import (
    MANIFEST_VERSION,
    PackageError,
    PackageInfo,
    build_manifest,
    build_package,
    color_icon,
    outline_icon,
    png_size,
)
from app.cli import app
from app.cli_msteams import DEPRECATED_NOTE, msteams_app
from storage.db import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore

SCHEMA = (
    Path(__file__).parent / "fixtures" / "teams" / f"MicrosoftTeams.v{MANIFEST_VERSION}.schema.json"
)
BOT_ID = "00000000-0000-4000-8000-00000000b0b0"
INFO = PackageInfo(bot_id=BOT_ID, public_url="https://bites.example.gov.uk/")


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def pixels(png: bytes) -> list[bytes]:
    """The RGBA rows of one of our PNGs (filter 0 on every row)."""
    width, height = png_size(png)
    raw = zlib.decompress(png[41 : 41 + struct.unpack(">I", png[33:37])[0]])
    stride = 1 + 4 * width
    return [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def test_the_manifest_validates_against_the_published_schema() -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    manifest = build_manifest(INFO)
    assert schema_errors(manifest) == []
    # The schema is draft-04, whose validators ignore "const": check the version by hand.
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    assert manifest["$schema"].endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")


def test_the_manifest_content() -> None:
    manifest = build_manifest(INFO)
    [bot] = manifest["bots"]
    assert (manifest["id"], bot["botId"], bot["scopes"]) == (BOT_ID, BOT_ID, ["personal"])
    assert [c["title"] for c in bot["commandLists"][0]["commands"]] == [
        "next",
        "progress",
        "settings",
        "define",
        "stop",
        "help",
    ]
    assert manifest["validDomains"] == ["bites.example.gov.uk"]
    assert manifest["developer"]["privacyUrl"] == "https://bites.example.gov.uk/privacy"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_a_broken_manifest_is_caught_by_the_schema() -> None:
    manifest = build_manifest(INFO)
    del manifest["icons"]["outline"]
    manifest["accentColor"] = "blue"
    assert len(schema_errors(manifest)) == 2


@pytest.mark.parametrize(
    ("info", "message"),
    [
        (PackageInfo("not-a-guid", "https://x.example"), "the bot id must be a GUID"),
        (PackageInfo(BOT_ID, "http://x.example"), "the public URL must be https"),
    ],
)
def test_bad_ids_and_addresses_are_refused(info: PackageInfo, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        build_manifest(info)


def test_generated_icons() -> None:
    assert png_size(color_icon()) == (192, 192)
    assert png_size(outline_icon()) == (32, 32)
    outline = b"".join(pixels(outline_icon()))
    colours = {outline[i : i + 4] for i in range(0, len(outline), 4)}
    assert colours == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}  # white on transparent
    colour = b"".join(pixels(color_icon()))
    assert len({colour[i : i + 4] for i in range(0, len(colour), 4)}) == 2
    assert colour[:4] == b"\x1f\x5f\x8b\xff"  # the accent colour, opaque


def test_supplied_icons_must_have_the_right_size() -> None:
    with pytest.raises(PackageError, match="colour icon must be 192×192"):
        build_package(PackageInfo(BOT_ID, "https://x.example", color_icon=outline_icon()))


def test_cli_writes_the_package(tmp_path: Path) -> None:
    out = tmp_path / "contract-bites-teams.zip"
    result = CliRunner().invoke(
        msteams_app,
        ["manifest", "--out", str(out), "--app-id", BOT_ID, "--public-url", INFO.public_url],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("outline.png") == outline_icon()
    assert manifest == build_manifest(INFO)
    assert schema_errors(manifest) == []


def test_cli_explains_a_missing_bot_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CB_TEAMS_APP_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(msteams_app, ["manifest", "--public-url", "https://x.example"])
    assert result.exit_code == 2
    assert "CB_TEAMS_APP_ID" in result.output


def test_cli_links_a_tenant(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = SqlStore(engine)
    store.ensure_council(
        "borsetshire", "Borsetshire", "BORS-26", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    args = ["link-tenant", "--council", "borsetshire", "--tenant", "tenant-1", "--db", sqlite_url]
    result = CliRunner().invoke(msteams_app, args)
    assert result.exit_code == 0, result.output
    assert result.output == "Teams tenant tenant-1 now belongs to council borsetshire.\n"
    assert store.council_code_for("teams", "tenant-1") == "borsetshire"
    unknown = CliRunner().invoke(msteams_app, [*args[:2], "nowhere", *args[3:]])
    assert unknown.exit_code == 1


def test_bites_teams_is_a_deprecated_alias_of_bites_msteams(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    SqlStore(engine).ensure_council(
        "bors", "Borsetshire", "BORS-26", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    link = ["link-tenant", "--council", "bors", "--tenant", "tenant-2", "--db", sqlite_url]
    current = CliRunner().invoke(app, ["msteams", *link])
    assert (current.exit_code, current.stderr) == (0, "")
    old = CliRunner().invoke(app, ["teams", *link])
    assert old.exit_code == 0, old.output
    assert old.stdout == "Teams tenant tenant-2 now belongs to council bors.\n"
    assert old.stderr == DEPRECATED_NOTE + "\n"
    assert "msteams" in CliRunner().invoke(app, ["--help"]).stdout
