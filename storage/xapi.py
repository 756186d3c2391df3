"""xAPI 1.0.3 statements of a council's learning records, for an LRS (see
`adapters.lrs`, which sends them) and `bites export xapi`.

xAPI statements name the learner by a pseudonymous account (the service's address and
`learner-<id>`), not by email unless the council asks for that. Statement ids are derived
from the records, so exporting twice gives the same ids and an LRS stores each statement
once.

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

from lessons.model import Curriculum
from storage.export_people import Person, people_of
from storage.tables import AnswerRow, EffectProbe, ModuleProgressRow

XAPI_VERSION = "1.0.3"
LANGUAGE = "en-GB"
VERBS = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
}
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
EXTENSIONS = ("effect-kind", "effect-point", "effect-days", "guessed")  # under /xapi/extensions/


@dataclass(frozen=True)
class XapiOptions:
    """How statements name things: the service's public address (the actor's account
    home page and the root of activity ids) and whether actors are named by email."""

    base_url: str
    actor_email: bool = False


def xapi_statements(
    engine: Engine,
    council_id: int,
    options: XapiOptions,
    curriculum: Curriculum | None = None,
    since: dt.datetime | None = None,
    team_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """A council's learning records as xAPI 1.0.3 statements, oldest first, from `since`
    (inclusive) if given."""
    with Session(engine) as session:
        people = people_of(session, council_id, team_ids)
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
        self, options: XapiOptions, curriculum: Curriculum | None, people: dict[int, Person]
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
