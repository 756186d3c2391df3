"""Exports from the dashboard: CSV of progress and answers, and xAPI statements, streamed.

Downloads stream as the rows are written, in chunks, so a long export starts at once and
the browser's download shows its progress; the exports page says beforehand how many
records each holds. The rows come from `storage.exports` and `storage.xapi` (the same as
`bites export`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.access import Actor
from lessons.model import Curriculum
from storage.exports import answers_csv, probes_csv, progress_csv, standing_csv
from storage.tables import AnswerRow, EffectProbe, Learner, ModuleProgressRow
from storage.xapi import XapiOptions, json_lines, xapi_statements

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its file name, media type and audit action."""

    slug: str
    suffix: str
    media_type: str
    action: str


KINDS = {
    kind.slug: kind
    for kind in (
        ExportKind("progress", "csv", "text/csv; charset=utf-8", "export.progress_csv"),
        ExportKind("answers", "csv", "text/csv; charset=utf-8", "export.answers_csv"),
        ExportKind("standing", "csv", "text/csv; charset=utf-8", "export.standing_csv"),
        ExportKind("xapi", "jsonl", "application/x-ndjson; charset=utf-8", "export.xapi"),
        ExportKind("effect", "csv", "text/csv; charset=utf-8", "export.effect_csv"),
    )
}


@dataclass(frozen=True)
class ExportSizes:
    """How many records each export of a council holds."""

    progress: int
    answers: int
    statements: int
    probes: int = 0  # learning-effect pre-tests and check-ups, answered or not


def sizes(engine: Engine, actor: Actor) -> ExportSizes:
    """Record counts of the council's exports (an xAPI statement per module started, per
    module completed, per answer and per answered learning-effect probe)."""
    with Session(engine) as session:
        ids = select(Learner.id).where(Learner.council_id == actor.council_id)
        progress = session.exec(
            select(func.count()).where(col(ModuleProgressRow.learner_id).in_(ids))
        ).one()
        completed = session.exec(
            select(func.count()).where(
                col(ModuleProgressRow.learner_id).in_(ids),
                col(ModuleProgressRow.completed_at).is_not(None),
            )
        ).one()
        answers = session.exec(select(func.count()).where(col(AnswerRow.learner_id).in_(ids))).one()
        probes = session.exec(
            select(func.count()).where(col(EffectProbe.learner_id).in_(ids))
        ).one()
        answered = session.exec(
            select(func.count()).where(
                col(EffectProbe.learner_id).in_(ids), col(EffectProbe.answered_at).is_not(None)
            )
        ).one()
    return ExportSizes(progress, answers, progress + completed + answers + answered, probes)


def lines(
    kind: ExportKind,
    engine: Engine,
    actor: Actor,
    curriculum: Curriculum,
    xapi: XapiOptions,
    since: dt.datetime | None,
    now: dt.datetime,
) -> Iterator[str]:
    """The export's lines, for the actor's whole council (council admins only)."""
    if kind.slug == "effect":
        return probes_csv(engine, actor.council_id)
    if kind.slug == "progress":
        return progress_csv(engine, actor.council_id, curriculum)
    if kind.slug == "answers":
        return answers_csv(engine, actor.council_id)
    if kind.slug == "standing":
        return standing_csv(engine, actor.council_id, curriculum, now)
    return json_lines(xapi_statements(engine, actor.council_id, xapi, curriculum, since))


def chunked(source: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Lines gathered into chunks of about `size` bytes (one network write each)."""
    buffer: list[bytes] = []
    held = 0
    for line in source:
        data = line.encode("utf-8")
        buffer.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


def file_name(council: str, kind: ExportKind, today: dt.date) -> str:
    """The download's file name, e.g. demo-progress-2026-03-02.csv."""
    return f"{council}-{kind.slug}-{today.isoformat()}.{kind.suffix}"
