"""Exports of a council's learning records: CSV, and xAPI 1.0.3 statements for an LRS.

Every export is scoped to one council (`org_id`), and optionally to some of its teams (a
manager's). xAPI statements name the learner by a pseudonymous account (the service's
address and `learner-<id>`), not by email unless the council asks for that. Statement ids
are derived from the records, so exporting twice gives the same ids and an LRS stores
each statement once.

Which statements: *experienced* when a module is started, *answered* for each quiz
answer (success, the option chosen, how long it took) and *completed* when a module's
quiz is finished (score scaled, raw, min and max). Cards are not recorded one by one, so
"experienced" is per module. Answered learning-effect probes (pre-tests and check-ups,
issue 13) are *answered* statements too, with the probe's kind, point and delay as context
extensions and "I guessed" as a result extension.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.access import Actor
from bot.people import standings
from lessons.model import Curriculum
from scheduler.pacing import zone
from storage.csv_cells import csv_line
from storage.tables import AnswerRow, EffectProbe, Learner, ModuleProgressRow, Organisation, Team
from storage.team_facts import load_team_facts

XAPI_VERSION = "1.0.3"
LANGUAGE = "en-GB"
VERBS = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
}
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
PROGRESS_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "title",
    "status",
    "attempt",
    "started",
    "completed",
    "score",
    "out_of",
)
STANDING_COLUMNS = ("learner", "name", "team", "standing", "working_days", "modules_done")
ANSWER_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "question",
    "attempt",
    "option",
    "correct",
    "answered",
    "seconds",
)

PROBE_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "kind",
    "point",
    "days",
    "question",
    "variant",
    "due",
    "answered",
    "correct",
    "guessed",
)
EXTENSIONS = ("effect-kind", "effect-point", "effect-days", "guessed")  # under /xapi/extensions/


@dataclass(frozen=True)
class XapiOptions:
    """How statements name things: the service's public address (the actor's account
    home page and the root of activity ids) and whether actors are named by email."""

    base_url: str
    actor_email: bool = False


@dataclass(frozen=True)
class _Person:
    id: int
    name: str | None
    email: str | None
    team: str | None


def progress_csv(
    engine: Engine,
    org_id: int,
    curriculum: Curriculum | None = None,
    team_ids: Collection[int] | None = None,
) -> Iterator[str]:
    """Module progress of a council's learners as CSV lines (header first)."""
    with Session(engine) as session:
        people = _people(session, org_id, team_ids)
        rows = session.exec(
            select(ModuleProgressRow)
            .where(col(ModuleProgressRow.learner_id).in_(list(people)))
            .order_by(col(ModuleProgressRow.learner_id), col(ModuleProgressRow.id))
        ).all()
    yield csv_line(PROGRESS_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        module = curriculum.module(row.module_id) if curriculum else None
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                module.title if module else "",
                row.status,
                row.attempt,
                _stamp(row.started_at),
                _stamp(row.completed_at),
                row.score,
                row.total,
            )
        )


def standing_csv(
    engine: Engine, org_id: int, curriculum: Curriculum, now: dt.datetime
) -> Iterator[str]:
    """Where each of a council's people stands today, as CSV lines (header first): on
    track, behind, stuck, away or not joined, with the working days behind it. The rule
    and the people are those of `/team` and the dashboard (`bot.people`)."""
    with Session(engine) as session:
        org = session.get(Organisation, org_id)
        tz = zone(org.timezone if org else None)
        today = now.astimezone(tz).date()
        facts = load_team_facts(session, Actor.command_line(org_id), today)
    yield csv_line(STANDING_COLUMNS)
    for ranked in standings(facts, today, tz, len(curriculum.modules)):
        member = ranked.member
        yield csv_line(
            (
                member.learner_id,
                member.name,
                member.team_name,
                ranked.standing.value,
                ranked.days,
                member.completed,
            )
        )


def answers_csv(
    engine: Engine, org_id: int, team_ids: Collection[int] | None = None
) -> Iterator[str]:
    """Every quiz answer of a council's learners as CSV lines (header first)."""
    with Session(engine) as session:
        people = _people(session, org_id, team_ids)
        rows = session.exec(
            select(AnswerRow)
            .where(col(AnswerRow.learner_id).in_(list(people)))
            .order_by(col(AnswerRow.learner_id), col(AnswerRow.answered_at), col(AnswerRow.id))
        ).all()
    yield csv_line(ANSWER_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        seconds = None if row.duration_ms is None else f"{row.duration_ms / 1000:.1f}"
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                row.question_id,
                row.attempt,
                row.option_id,
                "yes" if row.correct else "no",
                _stamp(row.answered_at),
                seconds,
            )
        )


def probes_csv(
    engine: Engine, org_id: int, team_ids: Collection[int] | None = None
) -> Iterator[str]:
    """Every learning-effect probe of a council's learners (pre-tests and check-ups, answered
    or not) as CSV lines (header first); the cells go through `storage.csv_cells`."""
    with Session(engine) as session:
        people = _people(session, org_id, team_ids)
        rows = session.exec(
            select(EffectProbe)
            .where(col(EffectProbe.learner_id).in_(list(people)))
            .order_by(col(EffectProbe.learner_id), col(EffectProbe.id))
        ).all()
    yield csv_line(PROBE_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                row.kind,
                row.point,
                row.day,
                row.question_id,
                row.variant_id,
                row.due_on.isoformat() if row.due_on else "",
                _stamp(row.answered_at),
                "" if row.correct is None else "yes" if row.correct else "no",
                "yes" if row.guessed else "no",
            )
        )


def xapi_statements(
    engine: Engine,
    org_id: int,
    options: XapiOptions,
    curriculum: Curriculum | None = None,
    since: dt.datetime | None = None,
    team_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """A council's learning records as xAPI 1.0.3 statements, oldest first, from `since`
    (inclusive) if given."""
    with Session(engine) as session:
        people = _people(session, org_id, team_ids)
        ids = list(people)
        progress = session.exec(
            select(ModuleProgressRow).where(col(ModuleProgressRow.learner_id).in_(ids))
        ).all()
        answers = session.exec(select(AnswerRow).where(col(AnswerRow.learner_id).in_(ids))).all()
        probes = session.exec(
            select(EffectProbe).where(
                col(EffectProbe.learner_id).in_(ids), col(EffectProbe.answered_at).is_not(None)
            )
        ).all()
    builder = _Statements(options, curriculum, people)
    # (when, kind order, record id): module started, answers, module completed, each kind
    # in the order its records were made, so equal timestamps still sort the same way.
    statements: list[tuple[dt.datetime, int, int, dict[str, Any]]] = []
    for row in progress:
        statements.append((row.started_at, 0, row.id or 0, builder.experienced(row)))
        if row.completed_at is not None:
            statements.append((row.completed_at, 2, row.id or 0, builder.completed(row)))
    for answer in answers:
        statements.append((answer.answered_at, 1, answer.id or 0, builder.answered(answer)))
    for probe in probes:
        assert probe.answered_at is not None
        statements.append((probe.answered_at, 3, probe.id or 0, builder.probe(probe)))
    chosen = [s for s in statements if since is None or s[0] >= since]
    chosen.sort(key=lambda s: s[:3])
    return [statement for *_key, statement in chosen]


def json_lines(statements: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Statements as JSON Lines: one compact statement per line."""
    for statement in statements:
        yield json.dumps(statement, separators=(",", ":"), ensure_ascii=False) + "\n"


class _Statements:
    """Builds the three kinds of statement for one export."""

    def __init__(
        self, options: XapiOptions, curriculum: Curriculum | None, people: dict[int, _Person]
    ) -> None:
        self._base = options.base_url.rstrip("/")
        self._email = options.actor_email
        self._curriculum = curriculum
        self._people = people

    def experienced(self, row: ModuleProgressRow) -> dict[str, Any]:
        key = f"experienced/{row.learner_id}/{row.module_id}/{row.attempt}"
        return self._statement(
            key, row.learner_id, "experienced", self._module(row.module_id), row.started_at
        )

    def completed(self, row: ModuleProgressRow) -> dict[str, Any]:
        assert row.completed_at is not None
        key = f"completed/{row.learner_id}/{row.module_id}/{row.attempt}"
        statement = self._statement(
            key, row.learner_id, "completed", self._module(row.module_id), row.completed_at
        )
        result: dict[str, Any] = {"completion": True}
        if row.total and row.score is not None:
            result["score"] = {
                "scaled": round(row.score / row.total, 4),
                "raw": row.score,
                "min": 0,
                "max": row.total,
            }
        statement["result"] = result
        return statement

    def answered(self, row: AnswerRow) -> dict[str, Any]:
        key = f"answered/{row.learner_id}/{row.question_id}/{row.attempt}"
        statement = self._statement(
            key, row.learner_id, "answered", self._question(row.question_id), row.answered_at
        )
        result: dict[str, Any] = {"success": row.correct, "response": row.option_id}
        if row.duration_ms is not None:
            result["duration"] = iso_duration(row.duration_ms)
        statement["result"] = result
        statement["context"]["contextActivities"] = {"parent": [self._module(row.module_id)]}
        return statement

    def probe(self, row: EffectProbe) -> dict[str, Any]:
        """A pre-test or check-up answer: the variant asked, success (a right answer marked
        "I guessed" is still a success here; the guess is a result extension), and the
        probe's kind, point and delay as context extensions."""
        assert row.answered_at is not None
        key = f"probe/{row.learner_id}/{row.module_id}/{row.kind}/{row.point}/{row.day}"
        statement = self._statement(
            key, row.learner_id, "answered", self._question(row.variant_id), row.answered_at
        )
        kind, point, days, guessed = (f"{self._base}/xapi/extensions/{e}" for e in EXTENSIONS)
        statement["result"] = {"success": bool(row.correct), "extensions": {guessed: row.guessed}}
        statement["context"]["contextActivities"] = {"parent": [self._module(row.module_id)]}
        statement["context"]["extensions"] = {kind: row.kind, point: row.point, days: row.day}
        return statement

    def _statement(
        self, key: str, learner_id: int, verb: str, activity: dict[str, Any], at: dt.datetime
    ) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self._base}/xapi/statements/{key}")),
            "actor": self._actor(learner_id),
            "verb": {"id": VERBS[verb], "display": {LANGUAGE: verb}},
            "object": activity,
            "context": {"platform": "Contract Bites", "language": LANGUAGE},
            "timestamp": xapi_timestamp(at),
        }

    def _actor(self, learner_id: int) -> dict[str, Any]:
        person = self._people[learner_id]
        if self._email and person.email:
            return {"objectType": "Agent", "mbox": f"mailto:{person.email}"}
        return {
            "objectType": "Agent",
            "account": {"homePage": self._base, "name": f"learner-{learner_id}"},
        }

    def _module(self, module_id: str) -> dict[str, Any]:
        module = self._curriculum.module(module_id) if self._curriculum else None
        definition: dict[str, Any] = {"type": MODULE_TYPE}
        if module is not None:
            definition["name"] = {LANGUAGE: module.title}
        return {
            "objectType": "Activity",
            "id": f"{self._base}/xapi/activities/module/{module_id}",
            "definition": definition,
        }

    def _question(self, question_id: str) -> dict[str, Any]:
        found = self._curriculum.find_question(question_id) if self._curriculum else None
        definition: dict[str, Any] = {"type": INTERACTION_TYPE, "interactionType": "choice"}
        if found is not None:
            _module, question = found
            definition["description"] = {LANGUAGE: question.stem}
            definition["correctResponsesPattern"] = [question.correct_option.id]
            definition["choices"] = [
                {"id": option.id, "description": {LANGUAGE: option.text}}
                for option in question.options
            ]
        return {
            "objectType": "Activity",
            "id": f"{self._base}/xapi/activities/question/{question_id}",
            "definition": definition,
        }


def iso_duration(milliseconds: int) -> str:
    """An ISO 8601 duration as xAPI wants it, e.g. 12,345 ms → 'PT12.35S', 75 s → 'PT1M15S'."""
    centiseconds = round(milliseconds / 10)
    hours, rest = divmod(centiseconds, 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds = rest / 100
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or text == "PT":
        text += f"{seconds:.2f}".rstrip("0").rstrip(".") + "S"
    return text


def xapi_timestamp(at: dt.datetime) -> str:
    """UTC with milliseconds and a Z, e.g. 2026-03-02T09:00:00.000Z."""
    utc = at.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _people(session: Session, org_id: int, team_ids: Collection[int] | None) -> dict[int, _Person]:
    query = select(Learner).where(Learner.org_id == org_id)
    if team_ids is not None:
        query = query.where(col(Learner.team_id).in_(list(team_ids)))
    teams = {team.id: team.name for team in session.exec(select(Team).where(Team.org_id == org_id))}
    return {
        row.id: _Person(row.id, row.display_name, row.email, teams.get(row.team_id or -1))
        for row in session.exec(query).all()
        if row.id is not None
    }


def _stamp(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else ""
