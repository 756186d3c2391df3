"""Local content packs from the dashboard: upload (zip) or point to a folder, validate,
enable.

Files live under the packs folder (`CB_DASHBOARD_PACKS_DIR`, default `var/packs`):
`incoming/` is where an administrator may place pack folders to point to, `staged/<council>/`
holds uploaded or copied packs while they are checked, and `enabled/<council>/` is the one
pack each council has enabled. That folder is the record of what is enabled: the service
loads every `enabled/*` pack with the curriculum when it starts (see `app.wiring`), so an
enabled pack reaches learners at the next restart. A pack may only be enabled for the
council it names (`council:` in pack.yaml), so no admin can change what another council
(or every council) sees.
"""

from __future__ import annotations

import re
import secrets
import shutil
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

import yaml

from lessons.loader import validate_packs
from lessons.problems import Problem

MAX_ZIP_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_FILES = 500
_STAGED_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class PackInfo:
    """A pack's manifest, as shown on the page."""

    pack_id: str
    title: str
    version: str


@dataclass(frozen=True)
class Checked:
    """The result of validating a pack: its problems as `file:line: message`, and the
    staged copy that can be enabled when there are none."""

    problems: tuple[str, ...]
    staged_id: str | None = None
    info: PackInfo | None = None

    @property
    def ok(self) -> bool:
        """Whether the pack can be enabled."""
        return not self.problems and self.staged_id is not None


class ContentPacks:
    """Stages, validates and enables each council's local pack."""

    def __init__(self, root: Path, base_folders: Sequence[Path]) -> None:
        self._root = root
        self._base = list(base_folders)  # the built-in packs and CB_CONTENT_PACKS

    def stage_zip(self, council: str, data: bytes) -> Checked:
        """Unpack an uploaded zip into a staging folder and validate it."""
        if len(data) > MAX_ZIP_BYTES:
            return Checked((f"upload: the zip is larger than {MAX_ZIP_BYTES // 2**20} MB",))
        staged_id = secrets.token_urlsafe(18)
        target = self._staged(council, staged_id)
        try:
            _unzip(data, target)
        except (zipfile.BadZipFile, ValueError, OSError) as error:
            shutil.rmtree(target, ignore_errors=True)
            return Checked((f"upload: {_reason(error)}",))
        return self._check(council, staged_id)

    def stage_folder(self, council: str, folder: str) -> Checked:
        """Copy a pack folder from `incoming/` into a staging folder and validate it."""
        incoming = (self._root / "incoming").resolve()
        source = (incoming / folder).resolve()
        if not source.is_relative_to(incoming) or not source.is_dir():
            # The server's folders are none of the reader's business: name only theirs.
            return Checked((f"folder: no pack folder {folder!r} in the incoming folder",))
        staged_id = secrets.token_urlsafe(18)
        try:
            shutil.copytree(source, self._staged(council, staged_id), symlinks=False)
        except OSError as error:
            shutil.rmtree(self._staged(council, staged_id), ignore_errors=True)
            return Checked((f"folder: cannot be copied ({_reason(error)})",))
        return self._check(council, staged_id)

    def enable(self, council: str, staged_id: str) -> Checked:
        """Validate a staged pack again and make it the council's enabled pack."""
        if not _STAGED_ID.match(staged_id) or not self._staged(council, staged_id).is_dir():
            return Checked(("enable: that upload has expired; upload the pack again",))
        checked = self._check(council, staged_id)
        if not checked.ok:
            return checked
        enabled = self._root / "enabled"
        enabled.mkdir(parents=True, exist_ok=True)
        folder = _pack_folder(self._staged(council, staged_id))
        assert folder is not None  # checked above
        fresh = enabled / f".{council}.{staged_id}"
        shutil.copytree(folder, fresh)
        old = enabled / f".{council}.old"
        shutil.rmtree(old, ignore_errors=True)
        if (enabled / council).exists():
            (enabled / council).rename(old)
        fresh.rename(enabled / council)  # a rename: the pack is replaced whole or not at all
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self._staged(council, staged_id), ignore_errors=True)
        return checked

    def enabled(self, council: str) -> PackInfo | None:
        """The council's enabled pack, if any."""
        return _info(self._root / "enabled" / council)

    def _staged(self, council: str, staged_id: str) -> Path:
        return self._root / "staged" / council / staged_id

    def _check(self, council: str, staged_id: str) -> Checked:
        """Validate a staged pack; a pack with problems is not kept (it cannot be enabled,
        and it is uploaded again once fixed)."""
        checked = self._validate(council, staged_id)
        if checked.problems:
            shutil.rmtree(self._staged(council, staged_id), ignore_errors=True)
            return Checked(checked.problems, None, checked.info)
        return checked

    def _validate(self, council: str, staged_id: str) -> Checked:
        folder = _pack_folder(self._staged(council, staged_id))
        if folder is None:
            return Checked(("pack.yaml:1: the zip or folder has no pack.yaml",))
        others = [p for p in enabled_pack_paths(self._root) if p.name != council]
        _packs, problems = validate_packs([*self._base, *others, folder])
        info = _info(folder)
        if info is not None and _council_of(folder) != council:
            problems.append(
                Problem(str(folder / "pack.yaml"), 1, f"council: must be {council} (this council)")
            )
        shown = tuple(_shown(problem, folder) for problem in sorted(problems))
        return Checked(shown, staged_id, info)


def enabled_pack_paths(root: Path) -> list[Path]:
    """The enabled local packs of every council, to load with the curriculum."""
    enabled = root / "enabled"
    if not enabled.is_dir():
        return []
    return sorted(
        path
        for path in enabled.iterdir()
        if path.is_dir() and not path.name.startswith(".") and (path / "pack.yaml").is_file()
    )


def _reason(error: Exception) -> str:
    """An error's reason without any server path in it."""
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error)


def _unzip(data: bytes, target: Path) -> None:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise ValueError(f"the zip holds more than {MAX_FILES} files")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ValueError(f"the zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise ValueError(f"unsafe file name in the zip: {member.filename}")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise ValueError(f"the zip holds a link: {member.filename}")
            path = target.joinpath(*name.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, path.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def _pack_folder(staged: Path) -> Path | None:
    """The folder holding pack.yaml: the top, or the one folder a zip often wraps it in."""
    if (staged / "pack.yaml").is_file():
        return staged
    inner = [path for path in staged.iterdir() if path.is_dir()] if staged.is_dir() else []
    if len(inner) == 1 and (inner[0] / "pack.yaml").is_file():
        return inner[0]
    return None


def _manifest(folder: Path) -> dict[str, object]:
    try:
        loaded = yaml.safe_load((folder / "pack.yaml").read_text("utf-8"))
    except (OSError, ValueError, RecursionError, yaml.YAMLError):
        return {}  # UnicodeDecodeError is a ValueError
    return loaded if isinstance(loaded, dict) else {}


def _info(folder: Path) -> PackInfo | None:
    manifest = _manifest(folder)
    if not manifest:
        return None
    return PackInfo(
        str(manifest.get("id", "")),
        str(manifest.get("title", "")),
        str(manifest.get("version", "")),
    )


def _council_of(folder: Path) -> str | None:
    council = _manifest(folder).get("council")
    return str(council) if council is not None else None


def _shown(problem: Problem, folder: Path) -> str:
    """A problem as `file:line: message`, with paths inside the pack made relative (the
    server's folders are none of the reader's business)."""
    path = Path(problem.path)
    where = str(path.relative_to(folder)) if path.is_relative_to(folder) else path.name
    return f"{where}:{problem.line}: {problem.message}"
