"""UK GDPR: /mydata (what is stored, a full copy, erasure with a confirmation step) and an
admin's erasure of a leaver, with its audit log row; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app.cli import app
from bot.access import Actor
from bot.flows.mydata import PART_CHARS, download
from bot.records import PersonalData
from bot.texts import ENGLISH
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.council_tables import Assessment, AuditLog
from storage.gdpr import count_rows, erase_by_admin
from storage.tables import (
    Council,
    Delivery,
    Identity,
    Learner,
    ReviewLogRow,
    SrsCard,
    WebChatOutbox,
)
from tests.support.chat import ChatUser, make_services
from tests.test_exports import take_module_1

SUMMARY = (
    "Your data\nThis is what Contract Bites stores about you:\n"
    "- Your council: Demo Council\n"
    "- Your chat accounts: test and web\n"
    "- No name or email\n"
    "- Your learning time, working days and any leave dates\n"
    "- 1 module records and 4 quiz answers\n"
    "- {cards} refresher cards and {cards} refresher reviews\n"
    "- 1 messages planned or sent to you\n"
    "- 1 self-assessment answers\n"
    "- 0 roles, such as manager\n"
    "It is used only to teach you and to show your council how learning is going. Download "
    "gives you a full copy; erase deletes all of it.\n"
    "[1] Download my data\n[2] Erase my data"
)
CONFIRM = (
    "Erase all your data? This deletes your progress, answers, refreshers, self-assessment, "
    "messages and chat accounts from Contract Bites. It cannot be undone, and your council's "
    "figures will no longer include you.\n[1] Yes, erase my data\n[2] No, keep it"
)


def learner_id(user: ChatUser) -> int:
    with Session(user.services.engine) as session:
        identity = session.exec(select(Identity).where(Identity.user_id == user.user_id)).one()
        return identity.learner_id


def add_records(user: ChatUser) -> int:
    """A delivery, a self-assessment answer and a web chat message waiting, for erasure."""
    lid = learner_id(user)
    now = user.clock.now()
    with Session(user.services.engine) as session:
        council = session.exec(select(Council).where(Council.code == "demo")).one()
        session.add(
            Delivery(
                key=f"lesson:{lid}:x",
                learner_id=lid,
                kind="lesson",
                due_at=now,
                next_attempt_at=now,
                created_at=now,
            )
        )
        session.add(
            Assessment(
                council_id=council.id or 0, learner_id=lid, area=1, level=2, target=3, at=now
            )
        )
        session.add(
            Identity(
                learner_id=lid,
                platform="web",
                user_id=f"w-{lid}",
                conversation_id=f"wc-{lid}",
                created_at=now,
            )
        )
        session.add(WebChatOutbox(conversation_id=f"wc-{lid}", body="{}", created_at=now))
        session.commit()
    return lid


@pytest.fixture
def users(
    db_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> tuple[ChatUser, ChatUser]:
    services = make_services(db_url, clock, demo_curriculum)
    ann, bob = ChatUser(services, clock, user_id="ann"), ChatUser(services, clock, user_id="bob")
    for person in (ann, bob):
        take_module_1(person)
        add_records(person)
    return ann, bob


def cards_of(user: ChatUser) -> int:
    with Session(user.services.engine) as session:
        return int(
            session.exec(select(func.count()).where(SrsCard.learner_id == learner_id(user))).one()
        )


def test_mydata_says_what_is_stored_and_gives_a_full_copy(
    users: tuple[ChatUser, ChatUser],
) -> None:
    ann, _bob = users
    cards = cards_of(ann)
    assert cards > 0
    assert ann.say("/mydata") == [SUMMARY.format(cards=cards)]
    replies = ann.press("Download my data")
    assert replies[0] == (
        "Here is a full copy of your data as JSON text, in 1 part(s). To keep it, copy the "
        "parts in order into one file."
    )
    copy = json.loads("".join(replies[1:]))
    assert sorted(copy) == [
        "answers",
        "chat_accounts",
        "learner",
        "learning_effect_checks",
        "messages",
        "modules",
        "refresher_cards",
        "reviews",
        "roles",
        "self_assessment",
        "web_chat",
    ]
    # The web chat message add_records left waiting for Ann's web chat (an empty body).
    assert [(m["from"], m["text"]) for m in copy["web_chat"]] == [("bot", "")]
    assert copy["learner"]["council"] == {"code": "demo", "name": "Demo Council"}
    assert [a["question"] for a in copy["answers"]] == ["t1-q1", "t1-q2", "t1-q3", "t1-q4"]
    # The quiz answers on refresher questions were their first reviews (kept with them).
    assert [(r["source"], r["guessed"]) for r in copy["reviews"]] == [("quiz", False)] * cards
    assert copy["self_assessment"] == [
        {"area": 1, "level": 2, "target": 3, "answered": "2026-03-02T09:00:12.500000+00:00"}
    ]
    # The web chat's id is its login cookie: the copy names the account, not the key.
    assert {(a["platform"], a["user_id"]) for a in copy["chat_accounts"]} == {
        ("test", "ann"),
        ("web", None),
    }
    assert f"w-{learner_id(ann)}" not in json.dumps(copy)
    assert "bob" not in json.dumps(copy)


def test_a_long_copy_comes_in_parts_that_join_up() -> None:
    document = json.dumps({"answers": [{"question": f"q{n}"} for n in range(900)]})
    data = PersonalData("C", ("test",), False, 0, 900, 0, 0, 0, 0, 0, document)

    class Ctx:
        texts = ENGLISH

    parts = download(data, Ctx())  # type: ignore[arg-type]
    assert parts[0].text.startswith(
        f"Here is a full copy of your data as JSON text, in {len(parts) - 1} part(s)."
    )
    assert len(parts) - 1 == -(-len(document) // PART_CHARS) > 1
    assert all(len(part.text) <= PART_CHARS for part in parts[1:])
    assert "".join(part.text for part in parts[1:]) == document


def test_erasure_asks_first_then_removes_everything_about_the_learner_only(
    users: tuple[ChatUser, ChatUser],
) -> None:
    ann, bob = users
    engine = ann.services.engine
    ann_id, bob_id = learner_id(ann), learner_id(bob)
    bob_rows = count_rows(engine, bob_id)
    ann.say("/mydata")
    assert ann.press("Erase my data") == [CONFIRM]
    assert ann.press("No, keep it") == ["Nothing was erased. Send /next to carry on."]
    assert count_rows(engine, ann_id) > 0
    ann.say("/mydata")
    ann.press("Erase my data")
    assert ann.press("Yes, erase my data") == [
        "Done: your data has been erased. If you write to me again, you start afresh."
    ]
    assert count_rows(engine, ann_id) == 0
    with Session(engine) as session:
        assert (
            session.exec(
                select(WebChatOutbox).where(WebChatOutbox.conversation_id == f"wc-{ann_id}")
            ).all()
            == []
        )
        assert (
            session.exec(select(ReviewLogRow).where(ReviewLogRow.learner_id == ann_id)).all() == []
        )
        assert session.get(Learner, ann_id) is None
    assert count_rows(engine, bob_id) == bob_rows  # nobody else's data is touched
    # Writing again starts afresh, as a new learner.
    assert ann.say("/start")[0].startswith("Welcome to Contract Bites.")
    assert learner_id(ann) != ann_id


def test_mydata_works_while_paused(users: tuple[ChatUser, ChatUser]) -> None:
    ann, _bob = users
    ann.say("/stop")
    assert ann.say("/mydata")[0].startswith("Your data\n")
    assert ann.press("Erase my data") == [CONFIRM]


def test_an_admin_erases_a_leaver_of_their_own_council_only(
    users: tuple[ChatUser, ChatUser],
) -> None:
    ann, bob = users
    engine = ann.services.engine
    other = ann.services.store.ensure_council("other", "Other", "OTHER", ann.clock.now())
    with pytest.raises(LookupError):
        erase_by_admin(engine, Actor(99, other.id), learner_id(ann), ann.clock.now())
    assert count_rows(engine, learner_id(ann)) > 0
    demo = ann.services.store.ensure_council("demo", "Demo Council", "demo", ann.clock.now())
    bob_id = learner_id(bob)
    counts = erase_by_admin(engine, Actor(7, demo.id), bob_id, ann.clock.now())
    assert counts["learner"] == 1 and counts["answer"] == 4
    with Session(engine) as session:
        rows = session.exec(select(AuditLog)).all()
    assert [(r.council_id, r.actor, r.action, r.target) for r in rows] == [
        (demo.id, "learner:7", "learner.erase", f"learner:{bob_id}")
    ]
    assert json.loads(rows[0].detail)["answer"] == 4


def test_bites_learner_erase(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    services = make_services(sqlite_url, clock, demo_curriculum)
    ann = ChatUser(services, clock, user_id="ann")
    take_module_1(ann)
    lid = learner_id(ann)
    runner = CliRunner()
    services.store.ensure_council("other", "Other", "OTHER", clock.now())
    wrong = runner.invoke(
        app,
        [
            "learner",
            "erase",
            "--council",
            "other",
            "--learner",
            str(lid),
            "--yes",
            "--db",
            sqlite_url,
        ],
    )
    assert wrong.exit_code == 1
    assert f"There is no learner {lid} in the council other." in wrong.output
    declined = runner.invoke(
        app,
        ["learner", "erase", "--council", "demo", "--learner", str(lid), "--db", sqlite_url],
        input="n\n",
    )
    assert declined.exit_code == 1
    assert count_rows(services.engine, lid) > 0
    done = runner.invoke(
        app,
        [
            "learner",
            "erase",
            "--council",
            "demo",
            "--learner",
            str(lid),
            "--yes",
            "--db",
            sqlite_url,
        ],
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"Erased learner {lid} of demo: ")
    assert count_rows(services.engine, lid) == 0
    with Session(services.engine) as session:
        audit = session.exec(select(AuditLog)).one()
    assert (audit.actor, audit.action, audit.target) == ("cli", "learner.erase", f"learner:{lid}")
    assert audit.at.tzinfo is not None and audit.at <= dt.datetime.now(dt.UTC)


def test_erased_data_is_gone_from_the_sqlite_files(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    services = make_services(sqlite_url, clock, demo_curriculum)
    ann = ChatUser(services, clock, user_id="ann")
    take_module_1(ann)
    lid = add_records(ann)
    with Session(services.engine) as session, session.begin():
        learner = session.get(Learner, lid)
        assert learner is not None
        learner.display_name = "Zebedee Quixotic-Erasable"
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    wal = database.with_name(database.name + "-wal")
    assert wal.stat().st_size > 0
    ann.say("/mydata")
    ann.press("Erase my data")
    ann.press("Yes, erase my data")
    assert wal.stat().st_size == 0  # checkpointed into the database file and truncated
    assert b"Zebedee Quixotic-Erasable" not in database.read_bytes()  # overwritten there
