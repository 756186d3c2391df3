"""Migration 0013 moves each quiz review from `review_log` onto its answer (rating, "I
guessed", the card before it), leaves the refresher rounds' reviews and a quiz review with
no answer where they are, and going back puts the quiz reviews back in the log. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.migrate import _config, upgrade

AT = dt.datetime(2026, 11, 30, 9, 0)
LATER = dt.datetime(2026, 12, 1, 9, 0)


def _seed_before(engine: Engine) -> None:
    """A learner's answer on a refresher question with its quiz review, a refresher
    review of it a day later, and a quiz review whose answer is missing, as 0012 had them."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO learner (id, stage, awaiting, paused, working_days, attempt, "
                "cursor, nudges_ignored, created_at, updated_at) VALUES "
                "(5, 'active', 'nothing', false, 'mon tue', 1, 0, 0, :at, :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO answer (id, learner_id, module_id, question_id, attempt, "
                "option_id, correct, answered_at, duration_ms) VALUES "
                "(11, 5, 't1', 't1-q1', 1, 'c', true, :at, 4000), "
                "(12, 5, 't1', 't1-q2', 1, 'a', false, :at, 3000)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO srs_card (id, learner_id, question_id, state, due, last_review, "
                "held_out) VALUES (21, 5, 't1-q1', 2, :later, :later, false), "
                "(22, 5, 't9-q9', 1, :at, :at, false)"
            ),
            {"at": AT, "later": LATER},
        )
        connection.execute(
            text(
                "INSERT INTO review_log (id, card_id, learner_id, question_id, rating, "
                "reviewed_at, duration_ms, source, guessed, card_before) VALUES "
                "(31, 21, 5, 't1-q1', 3, :at, 4000, 'quiz', true, '{\"card_id\": 0}'), "
                "(32, 21, 5, 't1-q1', 1, :later, 2000, 'refresher', false, '{\"card_id\": 21}'),"
                " (33, 22, 5, 't9-q9', 1, :at, NULL, 'quiz', false, NULL)"
            ),
            {"at": AT, "later": LATER},
        )


def test_quiz_reviews_move_onto_their_answers_and_back(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0012")
    _seed_before(engine)
    upgrade(engine)
    answers = "SELECT id, rating, guessed, card_before FROM answer ORDER BY id"
    logged = "SELECT id, question_id, source FROM review_log ORDER BY id"
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(text(answers))] == [
            (11, 3, True, '{"card_id": 0}'),
            (12, None, False, None),  # not a refresher question: no review
        ]
        assert [tuple(r) for r in connection.execute(text(logged))] == [
            (32, "t1-q1", "refresher"),
            (33, "t9-q9", "quiz"),  # no answer to move it to: kept
        ]
    command.downgrade(_config(engine), "0012")
    back = (
        "SELECT card_id, question_id, rating, duration_ms, source, guessed, card_before "
        "FROM review_log ORDER BY reviewed_at, question_id"
    )
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(text(back))] == [
            (21, "t1-q1", 3, 4000, "quiz", True, '{"card_id": 0}'),
            (22, "t9-q9", 1, None, "quiz", False, None),
            (21, "t1-q1", 1, 2000, "refresher", False, '{"card_id": 21}'),
        ]
    engine.dispose()
