"""The Teams app package a council's Teams admin uploads: manifest.json and two icons.

The manifest follows Microsoft's Teams app manifest schema (version `MANIFEST_VERSION`).
Icons a council supplies are checked for size; otherwise both are drawn here with the
standard library (zlib + struct): a 192×192 colour icon and a 32×32 outline icon, white on
transparent, as Teams requires.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_VERSION = "1.30"
SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
ACCENT = "#1F5F8B"
COLOR_SIZE, OUTLINE_SIZE = 192, 32
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# What the admin and the officers read in the Teams app store: plain, short, accessible.
NAME_SHORT = "Contract Bites"
NAME_FULL = "Contract Bites: contract management in short lessons"
DESCRIPTION_SHORT = "Learn contract management in 20-minute bites, in a chat with a bot."
DESCRIPTION_FULL = (
    "Contract Bites teaches contract and relationship management to council officers in "
    "short lessons you take in a one-to-one chat. Each bite is a few short cards to read, "
    "then a quick quiz with feedback that explains the answer. It never takes more than 20 "
    "minutes. Later, Contract Bites brings back questions just before you would forget "
    "them. Your answers and scores are private to you and your council's learning lead. "
    "Type help at any time to see what you can do."
)
COMMANDS = (
    ("next", "The next card, question or module"),
    ("progress", "Modules done and your quiz scores"),
    ("settings", "Your learning time and working days"),
    ("define", "What a contract management term means, for example: define KPI"),
    ("stop", "Pause Contract Bites; start resumes"),
    ("help", "What Contract Bites can do"),
)


class PackageError(ValueError):
    """The package cannot be built; the message says what to fix."""


@dataclass(frozen=True)
class PackageInfo:
    """What goes into the package. `bot_id` is the bot's Microsoft App ID (a GUID)."""

    bot_id: str
    public_url: str
    version: str = "1.0.0"
    developer: str = "Contract Bites"
    privacy_url: str | None = None
    terms_url: str | None = None
    color_icon: bytes | None = None
    outline_icon: bytes | None = None


def build_manifest(info: PackageInfo) -> dict[str, Any]:
    """The manifest.json content; raises PackageError for a bad id or address."""
    if not _GUID.match(info.bot_id):
        raise PackageError(f"the bot id must be a GUID (CB_TEAMS_APP_ID), got {info.bot_id!r}")
    base = info.public_url.rstrip("/")
    domain = urlsplit(base).hostname
    if urlsplit(base).scheme != "https" or not domain:
        raise PackageError(f"the public URL must be https://…, got {info.public_url!r}")
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": info.version,
        "id": info.bot_id,
        "developer": {
            "name": info.developer[:32],
            "websiteUrl": f"{base}/",
            "privacyUrl": info.privacy_url or f"{base}/privacy",
            "termsOfUseUrl": info.terms_url or f"{base}/terms",
        },
        "name": {"short": NAME_SHORT, "full": NAME_FULL},
        "description": {"short": DESCRIPTION_SHORT, "full": DESCRIPTION_FULL},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": info.bot_id,
                "scopes": ["personal"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [{"title": t, "description": d} for t, d in COMMANDS],
                    }
                ],
            }
        ],
        "defaultInstallScope": "personal",
        "permissions": ["identity"],
        "validDomains": [domain],
    }


def build_package(info: PackageInfo) -> bytes:
    """The app package (a zip of manifest.json, color.png and outline.png)."""
    manifest = build_manifest(info)
    color = _checked(info.color_icon, COLOR_SIZE, "colour") or color_icon()
    outline = _checked(info.outline_icon, OUTLINE_SIZE, "outline") or outline_icon()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        package.writestr("color.png", color)
        package.writestr("outline.png", outline)
    return buffer.getvalue()


def write_package(info: PackageInfo, out: Path) -> Path:
    """Build the package and write it to `out`."""
    out.write_bytes(build_package(info))
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; raises PackageError if it is not one."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError("the icon is not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _checked(data: bytes | None, size: int, kind: str) -> bytes | None:
    if data is not None and png_size(data) != (size, size):
        raise PackageError(f"the {kind} icon must be {size}×{size} pixels")
    return data


def color_icon() -> bytes:
    """A 192×192 colour icon: a white bitten disc on the accent colour."""
    accent = tuple(int(ACCENT[i : i + 2], 16) for i in (1, 3, 5))
    white = (255, 255, 255)
    rows = [
        b"".join(
            bytes(white if _in_bitten_disc(x, y, COLOR_SIZE) else accent) + b"\xff"
            for x in range(COLOR_SIZE)
        )
        for y in range(COLOR_SIZE)
    ]
    return _png(COLOR_SIZE, rows)


def outline_icon() -> bytes:
    """A 32×32 outline icon: the bitten disc in white on a transparent background."""
    rows = [
        b"".join(
            b"\xff\xff\xff\xff" if _in_bitten_disc(x, y, OUTLINE_SIZE) else b"\x00\x00\x00\x00"
            for x in range(OUTLINE_SIZE)
        )
        for y in range(OUTLINE_SIZE)
    ]
    return _png(OUTLINE_SIZE, rows)


def _in_bitten_disc(x: int, y: int, size: int) -> bool:
    # A disc filling most of the square, with a bite (a smaller disc) out of its top right.
    cx = cy = size / 2
    radius, bite = size * 0.38, size * 0.16
    inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius**2
    bx, by = cx + radius * 0.75, cy - radius * 0.75
    bitten = (x + 0.5 - bx) ** 2 + (y + 0.5 - by) ** 2 <= bite**2
    return inside and not bitten


def _png(size: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG from rows of pixels (filter type 0 on every row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
