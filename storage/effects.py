"""Carrying out the effects flows ask for (see `bot.effects.FlowEffect`).

`apply_effect` matches every member of the closed union, and `assert_never` makes mypy
report one left out. Each handler lives in its feature's storage module and runs as
`handler(session, learner_id, effect, at)` inside the inbound message's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import assert_never

from sqlmodel import Session

from bot.effect import AnswerCheckup, AnswerPretest, CompleteMeasure, GuessCheckup, StartMeasure
from bot.effects import FlowEffect
from bot.flows.dashboard import StoreDashboardToken
from bot.flows.moving import LeaveCouncil
from bot.flows.team import JoinWithCode, QueueNudges
from bot.records import EraseLearner, RecordAssessment
from storage.capability import record_assessment
from storage.dashboard import store_dashboard_token
from storage.effect_probes import (
    answer_checkup,
    answer_pretest,
    complete_measure,
    guess_checkup,
    start_measure,
)
from storage.gdpr import erase_effect
from storage.joining import join_with_code, leave_council
from storage.nudges import queue_nudges


def apply_effect(session: Session, learner_id: int, effect: FlowEffect, at: dt.datetime) -> None:
    """Carry out one effect with its feature's handler, in the caller's transaction."""
    match effect:
        case StoreDashboardToken():
            store_dashboard_token(session, learner_id, effect, at)
        case RecordAssessment():
            record_assessment(session, learner_id, effect, at)
        case EraseLearner():
            erase_effect(session, learner_id, effect, at)
        case JoinWithCode():
            join_with_code(session, learner_id, effect, at)
        case QueueNudges():
            queue_nudges(session, learner_id, effect, at)
        case StartMeasure():
            start_measure(session, learner_id, effect, at)
        case AnswerPretest():
            answer_pretest(session, learner_id, effect, at)
        case CompleteMeasure():
            complete_measure(session, learner_id, effect, at)
        case AnswerCheckup():
            answer_checkup(session, learner_id, effect, at)
        case GuessCheckup():
            guess_checkup(session, learner_id, effect, at)
        case LeaveCouncil():
            leave_council(session, learner_id, effect, at)
        case _:
            assert_never(effect)
