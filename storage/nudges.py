"""A manager's nudges: one delivery row per nudged learner, planned by the planner and
written by the one writer (an effect handler of the team flow)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.access import team_ids_managed
from bot.flows.team import QueueNudges
from scheduler.planner import manager_nudge
from storage.audit import record_audit
from storage.grants import actor_of
from storage.pacing_rows import pacing_of_row
from storage.plan_writes import write_planned
from storage.tables import Learner
from storage.team_facts import nudge_key


def queue_nudges(session: Session, learner_id: int, effect: QueueNudges, at: dt.datetime) -> None:
    """Effect handler: a delivery row per nudged learner, due now in their working hours
    or at the start of their next working day; the key caps it at one a day."""
    manager = session.get(Learner, learner_id)
    if manager is None or manager.council_id is None:
        return
    actor = actor_of(session, learner_id, manager.council_id)
    queued = []
    for target_id in effect.learner_ids:
        target = session.get(Learner, target_id)
        # The second lock: the flow checked the team facts; check the rows again.
        if target is None or target.team_id not in team_ids_managed(actor):
            continue
        if target.council_id != actor.council_id:
            continue
        key = nudge_key(target_id, effect.day)
        planned = manager_nudge(target_id, pacing_of_row(session, target), at, key)
        if planned is not None and write_planned(session, [planned], at):
            queued.append(target_id)  # (nothing added: already nudged today)
    if queued:
        record_audit(session, actor, "team.nudge", f"learners:{len(queued)}", at, learners=queued)
