"""A round button's round, its reviews and the answered item's card are read with the
learner in one query; identities are written only when the learner moves; the data
export still says when each account was last used and when each round was answered.
Each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.deliveries import Review
from bot.messages import ConversationRef
from bot.ports import ReadAlong
from scheduler.planner import RoundPlan
from scheduler.srs import new_memory
from storage.compose_reads import SqlComposeReads
from storage.gdpr import personal_document
from storage.store import SqlStore
from storage.tables import Delivery, Identity, Learner, SrsCard
from tests.support.statement_count import Counter

TEAMS = ConversationRef("msteams", "conv-1", "ann", {})
SLACK = ConversationRef("slack", "D1", "U-ann", {})
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
QUESTIONS = ("k1-q1", "k2-q3", "k3-q2")


def learner_id(store: SqlStore, ref: ConversationRef = TEAMS) -> int:
    with store.transaction() as tx:
        return tx.learner_for(ref, AT).learner_id


def sent_round(store: SqlStore, learner: int, key: str = "round-1") -> int:
    """A round of three questions sent to the learner, the second with an FSRS card."""
    with Session(store.engine) as session:
        delivery = Delivery(
            key=key,
            learner_id=learner,
            kind="round",
            payload=RoundPlan(QUESTIONS).to_json(),
            due_at=AT,
            status="sent",
            next_attempt_at=AT,
            sent_at=AT,
            created_at=AT,
        )
        card = SrsCard(
            learner_id=learner, question_id="k2-q3", state=2, stability=4.0, difficulty=5.0, due=AT
        )
        session.add_all([delivery, card])
        session.commit()
        assert delivery.id is not None
        return delivery.id


def test_the_round_and_the_items_card_come_with_the_learner(store: SqlStore) -> None:
    ann = learner_id(store)
    round_id = sent_round(store, ann)
    later = AT + dt.timedelta(hours=3)
    with store.transaction() as tx:  # the first item answered: its review is logged
        tx.learner_for(TEAMS, later, ReadAlong(round_id=round_id, round_item=0))
        before = tx.memory(ann, "k1-q1", later)
        review = Review("k1-q1", True, later, 4000, "refresher", round_id=round_id, round_item=0)
        tx.save_memory(ann, before, new_memory(0, later), review, 3)
    counter = Counter(store)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, later, ReadAlong(round_id=round_id, round_item=1))
        read = counter.count
        info = tx.round(ann, round_id)
        card = tx.memory(ann, "k2-q3", later)
        assert counter.count == read == 1  # neither needed a query of its own
    assert info is not None
    assert (info.questions, info.answered, info.first_answer_at) == (QUESTIONS, {0: True}, later)
    assert (card.card_id > 0, card.stability) == (True, 4.0)


def test_an_item_without_a_card_is_known_to_have_none(store: SqlStore) -> None:
    ann = learner_id(store)
    round_id = sent_round(store, ann)
    counter = Counter(store)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, AT, ReadAlong(round_id=round_id, round_item=2))
        card = tx.memory(ann, "k3-q2", AT)
    assert (counter.count, card.card_id) == (1, 0)  # a new card, made when it is saved


def test_another_learners_round_and_a_forged_item_name_nothing(store: SqlStore) -> None:
    ann, bob = learner_id(store), learner_id(store, SLACK)
    bobs_round = sent_round(store, bob)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, AT, ReadAlong(round_id=bobs_round, round_item=1))
        assert tx.round(ann, bobs_round) is None
    anns_round = sent_round(store, ann, key="round-2")
    with store.transaction() as tx:
        tx.learner_for(TEAMS, AT, ReadAlong(round_id=anns_round, round_item=10**6))
        info = tx.round(ann, anns_round)
    assert info is not None and info.answered == {}


def identities(store: SqlStore) -> dict[str, dt.datetime | None]:
    with Session(store.engine) as session:
        return {i.platform: i.last_seen_at for i in session.exec(select(Identity)).all()}


def test_an_identity_is_written_when_the_learner_moves_not_on_every_message(
    store: SqlStore,
) -> None:
    ann = learner_id(store)
    next_day, after, back = (AT + dt.timedelta(days=d) for d in (1, 2, 3))
    with store.transaction() as tx:
        tx.save_learner(tx.learner_for(TEAMS, next_day), next_day)
    assert identities(store) == {"msteams": AT}  # one account: nothing to choose between
    with store.transaction() as tx:  # Ann writes from Slack: it becomes the one to reach
        tx.save_learner(tx.learner_for(SLACK, after), after)
        assert tx.learner_for(SLACK, after).learner_id != ann  # Slack is a new learner here
    with Session(store.engine) as session:  # link the Slack account to Ann, as a move does
        slack = session.exec(select(Identity).where(Identity.platform == "slack")).one()
        slack.learner_id = ann
        session.add(slack)
        session.commit()
    with store.transaction() as tx:
        tx.save_learner(tx.learner_for(SLACK, after), after)
        assert tx.reach(ann) == SLACK
    with store.transaction() as tx:  # and back to Teams
        tx.save_learner(tx.learner_for(TEAMS, back), back)
        assert tx.reach(ann) == TEAMS
    assert identities(store) == {"msteams": back, "slack": after}


def test_an_account_with_no_time_is_reached_last_on_both_databases(store: SqlStore) -> None:
    """An identity last written from before times were kept (NULL) is not the one the
    learner last wrote from: `reach` and the batch compose reads both pass it over, and
    writing from it makes it the one."""
    ann = learner_id(store)
    with Session(store.engine) as session:  # Slack, from before 0002: no time
        session.add(
            Identity(
                learner_id=ann,
                platform="slack",
                user_id="U-ann",
                conversation_id="D1",
                extra="{}",
                created_at=AT - dt.timedelta(days=400),
            )
        )
        session.commit()
    with store.transaction() as tx:
        assert tx.reach(ann) == TEAMS
    assert SqlComposeReads(store.engine).read([ann]).reaches[ann] == TEAMS
    with store.transaction() as tx:  # a message from the Slack account dates it
        tx.save_learner(tx.learner_for(SLACK, AT + dt.timedelta(hours=1)), AT)
        assert tx.reach(ann) == SLACK
    assert SqlComposeReads(store.engine).read([ann]).reaches[ann] == SLACK


def test_the_data_copy_says_when_each_account_was_last_used_and_rounds_answered(
    store: SqlStore,
) -> None:
    ann = learner_id(store)
    round_id = sent_round(store, ann)
    answered = AT + dt.timedelta(days=1, hours=2)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, answered, ReadAlong(round_id=round_id, round_item=1))
        before = tx.memory(ann, "k2-q3", answered)
        review = Review("k2-q3", True, answered, 3000, "refresher", round_id=round_id, round_item=1)
        tx.save_memory(ann, before, before, review, 3)
        tx.save_learner(tx.learner_for(TEAMS, answered), answered)
    with Session(store.engine) as session:
        learner = session.get(Learner, ann)
        assert learner is not None
        copy = personal_document(session, learner)
    assert [a["last_seen"] for a in copy["chat_accounts"]] == [answered.isoformat()]
    assert [(m["kind"], m["answered"]) for m in copy["messages"]] == [
        ("round", answered.isoformat())
    ]


def test_a_refresher_planned_before_rounds_is_a_round_of_one_answered_once(
    store: SqlStore,
) -> None:
    ann = learner_id(store)
    sent_round(store, ann)  # gives Ann the card for k2-q3
    with Session(store.engine) as session:
        old = Delivery(
            key="refresher-1",
            learner_id=ann,
            kind="refresher",
            ref="k2-q3",
            due_at=AT,
            status="sent",
            next_attempt_at=AT,
            sent_at=AT,
            created_at=AT,
        )
        session.add(old)
        session.commit()
        assert old.id is not None
        old_id = old.id
    along = ReadAlong(round_id=old_id, round_item=0)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, AT, along)
        info = tx.round(ann, old_id)
        assert info is not None and (info.questions, info.answered) == (("k2-q3",), {})
        card = tx.memory(ann, "k2-q3", AT)  # read with the learner, by the delivery's ref
        assert card.stability == 4.0
        review = Review("k2-q3", True, AT, 2000, "refresher", round_id=old_id, round_item=0)
        tx.save_memory(ann, card, card, review, 3)
    with store.transaction() as tx:
        tx.learner_for(TEAMS, AT, along)
        again = tx.round(ann, old_id)
    assert again is not None and again.answered == {0: True}
