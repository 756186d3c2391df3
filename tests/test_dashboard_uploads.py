"""Hostile and odd content packs through the dashboard: each gets a clear `file:line`
answer, is checked off the event loop, and leaves nothing staged behind."""

from __future__ import annotations

import io
import re
import zipfile

import httpx

from tests.test_dashboard import (  # noqa: F401  (client and world are fixtures)
    World,
    client,
    pack_zip,
    sign_in,
    world,
)


def rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """A copy of a zip with some files replaced, added, or (None) left out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            if member.filename not in change:
                target.writestr(member, source.read(member))
        for name, content in change.items():
            if content is not None:
                target.writestr(name, content)
    return buffer.getvalue()


def module_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("modules/local-1.md").decode("utf-8")


async def upload(client: httpx.AsyncClient, csrf: str, data: bytes) -> list[str]:  # noqa: F811
    response = await client.post(
        "/dashboard/content/upload",
        data={"csrf": csrf},
        files={"pack": ("pack.zip", data, "application/zip")},
    )
    assert response.status_code == 400
    return [
        problem.replace("&#39;", "'")
        for problem in re.findall(r"<li><code>(.*?)</code></li>", response.text)
    ]


def staged_left(world: World) -> list[str]:  # noqa: F811
    staged = world.services.settings.dashboard_packs_dir / "staged"
    return sorted(p.name for p in staged.glob("*/*"))  # staged/<council>/<upload>


async def test_templates_that_loop_or_grow_are_refused_with_file_and_line(
    client: httpx.AsyncClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    csrf = await sign_in(client, world, "ada")
    good = pack_zip("demo")
    text = module_text(good)
    card = text.index("## Card:")
    body = text.index("\n\n", card) + 2
    for attack, shown in (
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "'{% for i in range(100000) %}' is not allowed here",
        ),
        ("{{ council.name * 40000000 }}", "'{{ council.name * 40000000 }}' is not allowed"),
    ):
        line = text[:card].count("\n") + 1
        attacked = text[:body] + attack + " " + text[body:]
        problems = await upload(
            client, csrf, rezip(good, {"modules/local-1.md": attacked.encode()})
        )
        assert len(problems) == 1
        assert problems[0].startswith(f"modules/local-1.md:{line}: broken template: {shown}")


async def test_odd_files_get_a_clear_answer_and_leave_nothing_staged(
    client: httpx.AsyncClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    csrf = await sign_in(client, world, "ada")
    good = pack_zip("demo")
    text = module_text(good)
    reviewed = next(line for line in text.splitlines() if line.startswith("last_reviewed:"))
    cases: list[tuple[dict[str, bytes | None], list[str]]] = [
        (
            {"modules/local-1.md": text.encode("utf-8").replace(b"Signing", b"Sign\xe9ing")},
            [
                f"modules/local-1.md:{text[: text.index('Signing')].count(chr(10)) + 1}: not "
                "UTF-8 text (byte 0xe9): save the file as UTF-8"
            ],
        ),
        (
            {"modules/local-1.md": text.replace(reviewed, "last_reviewed: 2026-02-30").encode()},
            [
                f"modules/local-1.md:{text.splitlines().index(reviewed) + 1}: front matter is not "
                "valid YAML: a value cannot be read "
                "(day is out of range for month)"
            ],
        ),
        (
            {"modules/x.md/notes.txt": b"a folder named like a module"},
            ["modules/x.md:1: this is a folder, not a file: rename or remove it"],
        ),
        (
            {"glossary.yaml": b"- " + b"[" * 5000 + b"]" * 5000 + b"\n"},
            ["glossary.yaml:1: not valid YAML: nested too deeply"],
        ),
        (
            {"glossary.yaml": b"- term: x\n  definition: " + b"9" * 5000 + b"\n"},
            [
                "glossary.yaml:2: not valid YAML: a value cannot be read (Exceeds the limit "
                "(4300 digits) for integer string conversion: value has 5000 digits; use "
                "sys.set_int_max_str_digits() to increase the limit)"
            ],
        ),
    ]
    for change, shown in cases:
        assert await upload(client, csrf, rezip(good, change)) == shown
        assert staged_left(world) == []
