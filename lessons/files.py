"""Read content files safely: a clear problem, never a traceback, for a file that is not
UTF-8 text, is too large, or is a folder with a file's name (such as `x.md/`)."""

from __future__ import annotations

from pathlib import Path

from lessons.problems import Problem

MAX_FILE_BYTES = 1024 * 1024  # a module is a few KB; this is far beyond any real one


def read_text_file(path: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None with a `file:line` problem saying what is wrong with it."""
    if path.is_dir():
        problems.append(Problem(str(path), 1, "this is a folder, not a file: rename or remove it"))
        return None
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(
                Problem(str(path), 1, f"the file is larger than {MAX_FILE_BYTES // 1024} KB")
            )
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(str(path), 1, f"cannot be read: {error.strerror or error}"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(
            Problem(
                str(path),
                line,
                f"not UTF-8 text (byte 0x{data[error.start]:02x}): save the file as UTF-8",
            )
        )
        return None
