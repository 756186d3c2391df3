"""Permissions through `bot.access` with an `Actor`, without a database: each named
question, and the chat flows that ask them refusing the wrong role."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import access
from bot.access import Actor, Grant, Role
from bot.decision import Context
from bot.flows import account, dashboard, team
from bot.messages import Outbound
from bot.state import Awaiting, CouncilInfo, LearnerState, Stage
from bot.texts import ENGLISH
from lessons.model import Curriculum

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
COUNCIL = CouncilInfo(1, "demo", "Demo Council")
LEARNER = Actor(7, 1)
MANAGER = Actor(7, 1, frozenset({Grant(Role.MANAGER, 3)}))
ADMIN = Actor(7, 1, frozenset({Grant(Role.COUNCIL_ADMIN)}))
AUTHOR = Actor(7, 1, frozenset({Grant(Role.CONTENT_AUTHOR)}))
PLATFORM = Actor(7, 1, frozenset({Grant(Role.PLATFORM_ADMIN)}))


def _state() -> LearnerState:
    return LearnerState(
        7, 1, Stage.ACTIVE, Awaiting.NOTHING, False, "09:00", ("mon",), None, 0, 0, None, None
    )


def _ctx(actor: Actor | None) -> Context:
    return Context(Curriculum(()), ENGLISH, NOW, council=COUNCIL, actor=actor, fresh_token="secret")


def _text(replies: tuple[Outbound, ...]) -> str:
    return "\n".join(reply.text for reply in replies)


def test_each_question_answers_by_role() -> None:
    assert not access.can_open_dashboard(None)
    assert not access.can_open_dashboard(LEARNER)
    assert all(access.can_open_dashboard(a) for a in (MANAGER, ADMIN, AUTHOR, PLATFORM))
    assert access.can_see_team_report(MANAGER)
    assert not any(access.can_see_team_report(a) for a in (None, LEARNER, ADMIN, AUTHOR))
    assert access.can_see_people(MANAGER) and access.can_see_people(ADMIN)
    assert not any(access.can_see_people(a) for a in (LEARNER, AUTHOR, PLATFORM))


def test_as_manager_keeps_only_the_manager_grants() -> None:
    both = Actor(7, 1, frozenset({Grant(Role.MANAGER, 3), Grant(Role.COUNCIL_ADMIN)}))
    assert access.as_manager(both) == MANAGER
    assert access.visible_team_ids(access.as_manager(both)) == frozenset({3})


def test_a_learner_gets_no_dashboard_link() -> None:
    decision = dashboard.sign_in_link(_state(), _ctx(LEARNER))
    assert _text(decision.replies) == ENGLISH.dashboard_not_for_you
    assert decision.effects == ()


@pytest.mark.parametrize("actor", [MANAGER, ADMIN, AUTHOR, PLATFORM])
def test_a_role_holder_gets_a_dashboard_link(actor: Actor) -> None:
    decision = dashboard.sign_in_link(_state(), _ctx(actor))
    assert "/dashboard/signin?token=secret" in _text(decision.replies)
    assert len(decision.effects) == 1


@pytest.mark.parametrize("actor", [None, LEARNER, ADMIN, AUTHOR])
def test_only_a_manager_gets_the_team_report(actor: Actor | None) -> None:
    decision = team.show(_state(), _ctx(actor))
    assert _text(decision.replies) == ENGLISH.team_not_manager


@pytest.mark.parametrize(
    ("actor", "extra"),
    [
        (LEARNER, None),
        (MANAGER, ENGLISH.help_manager),
        (ADMIN, ENGLISH.help_admin),
        (AUTHOR, ENGLISH.help_admin),
    ],
)
def test_help_lists_the_commands_of_the_roles_held(actor: Actor, extra: str | None) -> None:
    shown = _text(account.help_reply(_state(), _ctx(actor)).replies)
    assert shown == "\n\n".join(part for part in (ENGLISH.help, extra) if part)
