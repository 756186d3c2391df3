"""Logs are structured and never carry what learners typed."""

from __future__ import annotations

import io
import json
import logging

from app.logs import JsonFormatter
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services


def test_json_logs_carry_ids_not_message_text(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        user = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
        user.say("/start")
        user.say("my password is hunter2")
        logging.getLogger("test").info("probe", extra={"text": "hunter2", "token": "x", "n": 1})
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    handled = [line for line in lines if line["event"] == "inbound handled"]
    assert len(handled) == 2
    assert set(handled[0]) >= {"time", "level", "logger", "platform", "learner", "intent", "ms"}
    assert "hunter2" not in stream.getvalue()
    probe = next(line for line in lines if line["event"] == "probe")
    assert probe["n"] == 1 and "text" not in probe and "token" not in probe
