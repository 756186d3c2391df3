"""The limits that keep content chat-sized. docs/content-format.md documents each one."""

from __future__ import annotations

import re

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 48
MAX_TITLE = 80
MAX_CARD_BODY = 700
MAX_STEM = 400
MAX_OPTION = 100
MAX_EXPLANATION = 500
MAX_OBJECTIVE = 160
MAX_DEFINITION = 400
MIN_OPTIONS, MAX_OPTIONS = 2, 5
MIN_QUESTIONS, MAX_QUESTIONS = 4, 8
MIN_OBJECTIVES, MAX_OBJECTIVES = 2, 3
MAX_MODULE_MINUTES = 20
# Reading speed for the module estimate; 200 words a minute is a cautious figure for
# careful reading of work material on a phone.
WORDS_PER_MINUTE = 200
SECONDS_PER_QUESTION = 20
