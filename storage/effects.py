"""Handlers for the effects flows ask for (see `bot.decision.Decision.effects`).

A static table: each feature adds its effect type (defined beside its flow in `bot/`) and
its handler (in its storage module) here. A handler is
`handler(session, learner_id, effect, at)`, run inside the inbound message's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.effect import AnswerCheckup, AnswerPretest, CompleteMeasure, GuessCheckup, StartMeasure
from bot.flows.dashboard import StoreDashboardToken
from bot.flows.moving import LeaveCouncil
from bot.flows.team import JoinWithCode, QueueNudges
from bot.records import EraseLearner, RecordAssessment
from storage.benchmark import record_assessment
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

EffectHandler = Callable[[Session, int, Any, dt.datetime], None]

EFFECT_HANDLERS: dict[type, EffectHandler] = {
    StoreDashboardToken: store_dashboard_token,  # dashboard sign-in links
    RecordAssessment: record_assessment,  # /assess answers
    EraseLearner: erase_effect,  # /mydata erasure
    JoinWithCode: join_with_code,  # team join codes and roster invites
    QueueNudges: queue_nudges,  # a manager's nudges
    StartMeasure: start_measure,  # the learning-effect measure (issue 13)
    AnswerPretest: answer_pretest,
    CompleteMeasure: complete_measure,
    AnswerCheckup: answer_checkup,
    GuessCheckup: guess_checkup,
    LeaveCouncil: leave_council,  # moving council with a join code
}
