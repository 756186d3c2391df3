"""Every effect a flow may ask for, as one closed union (`FlowEffect`).

A flow returns its writes as frozen dataclasses in `Decision.effects`; the service hands
each to `Transaction.apply` inside the inbound message's transaction, and storage carries
it out with an exhaustive `match` (`storage.effects.apply_effect`), so mypy reports an
effect without a handler. Adding an effect: define it beside its flow, add it here, and
add its case to `apply_effect`.

(Named `FlowEffect` because `bot.effect.Effect` is the learning-effect measure.)
"""

from __future__ import annotations

from typing import TypeAlias

from bot.effect import AnswerCheckup, AnswerPretest, CompleteMeasure, GuessCheckup, StartMeasure
from bot.flows.dashboard import StoreDashboardToken
from bot.flows.moving import LeaveCouncil
from bot.flows.team import JoinWithCode, QueueNudges
from bot.records import EraseLearner, RecordAssessment

FlowEffect: TypeAlias = (
    StoreDashboardToken  # dashboard sign-in links
    | RecordAssessment  # /assess answers
    | EraseLearner  # /mydata erasure
    | JoinWithCode  # team join codes and roster invites
    | QueueNudges  # a manager's nudges
    | StartMeasure  # the learning-effect measure (issue 13)
    | AnswerPretest
    | CompleteMeasure
    | AnswerCheckup
    | GuessCheckup
    | LeaveCouncil  # moving council with a join code
)
