"""The journeys between the happy paths (issue 14), as transcripts with exact replies:
demo first then a real council, commands before joining, leave and stop, a learning time
outside working hours, and typed text quoted back without formatting."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from bot.access import Actor
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.people import SqlPeople
from storage.tables import Learner
from tests.support.chat import ChatUser, make_services

WELCOME = (
    "Welcome to Contract Bites. I teach contract and relationship management in short bites: "
    "a few cards to read, then a quick quiz, never more than 20 minutes. Later I bring back "
    "questions just before you would forget them."
)
ASK_COUNCIL = (
    "Which council are you with? If your council gave you a join code, choose the second "
    "option.\n[1] Try the demo council\n[2] I have a join code"
)
ASK_TIME = (
    "When would you like your daily bite? Choose a time or type one, like 09:15.\n"
    "[1] 08:30\n[2] 12:30\n[3] 16:00"
)
CARD_2_TITLE = "Card 2 of 3: The NAO framework"
BORSET = "Borsetshire County Council"
WESSEX = "Wessex District Council"


@pytest.fixture
def user(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> ChatUser:
    chat = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    store = chat.services.store
    store.ensure_council("borsetshire", BORSET, "BORS-26", clock.now())
    store.ensure_council("wessex", WESSEX, "WESSEX-1", clock.now())
    return chat


def learner_row(user: ChatUser) -> Learner:
    with Session(user.services.engine) as session:
        return session.exec(select(Learner)).one()


def council_of(user: ChatUser) -> str:
    settings = user.say("/settings")[0]
    return settings.split("\n")[1]


class TestDemoFirstThenARealCouncil:
    """Item 1: from the demo council to a real one, and between real councils."""

    def test_a_join_code_moves_a_demo_learner_with_their_progress(self, user: ChatUser) -> None:
        user.say("/start")
        user.press("Try the demo council")
        user.press("12:30")
        user.press("Start my first bite")
        assert user.say("/start BORS-26") == [
            f"You have joined {BORSET}. You have left Demo Council; your progress so far comes "
            "with you, and your daily bite stays at 12:30, Monday to Friday.\n[1] Continue"
        ]
        assert council_of(user) == f"Council: {BORSET}"
        assert user.say("/next")[0].startswith(CARD_2_TITLE)  # where they were

    def test_a_code_that_cannot_be_used_says_why(self, user: ChatUser) -> None:
        user.say("/start demo")
        user.press("12:30")
        assert user.say("/start NOPE-1") == [
            "I don't know the join code NOPE-1, so you are still with Demo Council. Check the "
            "code with your council's learning lead and send /start with it again."
        ]
        assert council_of(user) == "Council: Demo Council"

    def test_moving_between_real_councils_is_confirmed(self, user: ChatUser) -> None:
        admin = Actor.command_line(learner_row_council(user, "borsetshire"))
        team = SqlPeople(user.services.engine).add_team(admin, "Highways", user.clock.now())
        user.say(f"/start {team.join_code}")
        user.press("08:30")
        assert learner_row(user).team_id == team.id
        question = (
            f"You are with {BORSET}. Move to {WESSEX}? Your progress comes with you, and "
            f"{BORSET} will no longer see how you are doing.\n"
            f"[1] Yes, move to {WESSEX}\n[2] No, stay with {BORSET}"
        )
        assert user.say("/start wessex-1") == [question]
        assert user.press(f"No, stay with {BORSET}") == [
            f"You are staying with {BORSET}.\n[1] Continue"
        ]
        assert council_of(user) == f"Council: {BORSET}"
        assert user.say("/start WESSEX-1") == [question]
        assert user.press(f"Yes, move to {WESSEX}") == [
            f"You have joined {WESSEX}. You have left {BORSET}; your progress so far comes "
            "with you, and your daily bite stays at 08:30, Monday to Friday.\n[1] Continue"
        ]
        row = learner_row(user)
        assert (row.council_id, row.team_id) == (learner_row_council(user, "wessex"), None)
        assert user.say("/start BORS-26")[0].startswith(f"You are with {WESSEX}. Move to")

    def test_the_own_councils_code_is_a_welcome_back(self, user: ChatUser) -> None:
        user.say("/start BORS-26")
        user.press("08:30")
        assert user.say("/start bors-26") == [
            "Welcome back. Your daily bite is at 08:30, Monday to Friday.\n[1] Continue"
        ]


def learner_row_council(user: ChatUser, code: str) -> int:
    from storage.tables import Council

    with Session(user.services.engine) as session:
        council = session.exec(select(Council).where(Council.code == code)).one()
        assert council.id is not None
        return council.id


class TestCommandsBeforeJoining:
    """Item 2: a command as the very first message."""

    def test_define_works_before_joining(self, user: ChatUser) -> None:
        assert user.say("/define KPI") == [
            "I don't have a definition of KPI yet. Try a term such as KPI or service credit."
        ]  # the demo pack has no glossary; the point is that it is a definition reply
        assert learner_row(user).stage == "new"

    def test_stop_before_joining_starts_nothing(self, user: ChatUser) -> None:
        assert user.say("/stop") == [
            "You haven't finished setting up, so I won't send you anything. Send /start "
            "whenever you want to begin."
        ]
        assert learner_row(user).stage == "new"
        assert user.say("/start") == [WELCOME, ASK_COUNCIL]

    def test_mydata_works_before_joining(self, user: ChatUser) -> None:
        assert user.say("/mydata")[0].startswith(
            "Your data\nThis is what Contract Bites stores about you:\n- Your council: none yet"
        )

    def test_other_commands_say_joining_comes_first_then_carry_on(self, user: ChatUser) -> None:
        assert user.say("/next") == [
            WELCOME,
            "Let's get you set up first; /next works after that.",
            ASK_COUNCIL,
        ]
        assert user.say("/progress") == [
            "Let's get you set up first; /progress works after that.",
            ASK_COUNCIL,
        ]
        user.press("Try the demo council")
        assert user.say("/settings") == [
            "Let's get you set up first; /settings works after that.",
            ASK_TIME,
        ]
        assert user.say("/frobnicate") == [
            "I don't know the command /frobnicate. Send /help to see what I can do.",
            ASK_TIME,
        ]
        assert user.press("12:30")[0].startswith("All set: your daily bite comes at 12:30")


class TestLeaveAndStop:
    """Item 3: leave survives /stop and /start, and /settings shows it."""

    def test_start_after_stop_says_leave_is_still_set(self, user: ChatUser) -> None:
        user.say("/start demo")
        user.press("12:30")
        assert user.say("/pause 20 Mar") == [
            "Enjoy your leave. I won't send you anything until after 20 March 2026, and your "
            "refreshers will wait. Send /start if you come back early."
        ]
        user.say("/stop")
        assert user.say("/settings") == [
            "Your settings\nCouncil: Demo Council\nDaily bite: 12:30\nWorking days: Monday to "
            "Friday\nLeave: until 20 March 2026\nMessages: stopped; send /start to resume\n"
            "[1] Change time\n[2] Change days\n[3] End my leave now"
        ]
        assert user.say("/start") == [
            "Welcome back: Contract Bites is running again for you. You are still on leave "
            "until 20 March 2026, so your daily bites start again after that.\n"
            "[1] End my leave now\n[2] Continue"
        ]
        row = learner_row(user)
        assert (row.paused, row.away_until) == (False, dt.date(2026, 3, 20))
        assert user.press("End my leave now") == [
            "Welcome back. Your daily bites start again from today.\n[1] Continue"
        ]
        row = learner_row(user)
        assert (row.away_from, row.away_until) == (None, None)
        assert "Leave:" not in user.say("/settings")[0]

    def test_settings_offers_to_end_leave(self, user: ChatUser) -> None:
        user.say("/start demo")
        user.press("12:30")
        user.say("/pause 2 weeks")
        user.clock.advance(dt.timedelta(days=3))
        assert user.say("/settings")[0].endswith(
            "Leave: until 15 March 2026\n[1] Change time\n[2] Change days\n[3] End my leave now"
        )
        assert user.press("End my leave now") == [
            "Welcome back. Your daily bites start again from today.\n[1] Continue"
        ]
        assert learner_row(user).away_until == dt.date(2026, 3, 4)  # yesterday
        assert user.press_payload("leave:end") == [
            "You are not on leave, so there is nothing to end.\n[1] Continue"
        ]

    @pytest.mark.parametrize(
        ("typed", "last_day"),
        [
            ("tomorrow", "3 March 2026"),
            ("next Monday", "9 March 2026"),
            ("Friday", "6 March 2026"),
            ("2 weeks", "15 March 2026"),
            ("10 days", "11 March 2026"),
        ],
    )
    def test_pause_understands_words(self, user: ChatUser, typed: str, last_day: str) -> None:
        user.say("/start demo")
        user.press("12:30")
        assert user.say(f"/pause {typed}") == [
            f"Enjoy your leave. I won't send you anything until after {last_day}, and your "
            "refreshers will wait. Send /start if you come back early."
        ]


class TestLearningTimeOutsideWorkingHours:
    """Item 4: a time before the working day starts is said to come at its start."""

    def test_early_time_is_explained_when_set_and_in_settings(self, user: ChatUser) -> None:
        user.say("/start demo")
        assert user.say("07:05") == [
            "All set: your daily bite comes at 07:05, Monday to Friday. You can change this "
            "with /settings. Your council's working day starts at 08:00, so your bite will "
            "come at 08:00.\n[1] Start my first bite"
        ]
        assert user.say("/settings")[0].split("\n")[2] == (
            "Daily bite: 07:05, so it comes at 08:00, inside your working day"
        )
        user.press("Change time")
        assert user.say("21:00") == [
            "Saved: your daily bite comes at 21:00. Your council's working day ends at 18:00, "
            "so your bite will come at 17:45."
        ]
        user.say("/settings")
        user.press("Change time")
        assert user.say("10:00") == ["Saved: your daily bite comes at 10:00."]
        assert user.say("/settings")[0].split("\n")[2] == "Daily bite: 10:00"


class TestTypedTextIsNeverFormatting:
    """Item 8: what people type is quoted back as plain characters in every channel."""

    LINK = "[x](https://evil.example)"

    def test_join_code_define_pause_and_command_are_quoted_literally(self, user: ChatUser) -> None:
        assert user.say(f"/start {self.LINK}")[1].startswith(
            f"I don't know the join code {self.LINK}. Check it"
        )
        user.press("I have a join code")
        assert user.say("**x**")[0].startswith("I don't know the join code **x**. Check it")
        user.press("Try the demo council")
        user.press("12:30")
        assert user.say(f"/define {self.LINK}") == [
            f"I don't have a definition of {self.LINK} yet. Try a term such as KPI or "
            "service credit."
        ]
        assert user.say("/pause **soon**")[0].startswith("I couldn't read **soon** as a date")
        assert user.say(f"/start {self.LINK}")[0].startswith(
            f"I don't know the join code {self.LINK}, so"
        )

    def test_every_channel_shows_escaped_text_as_typed(self) -> None:
        from adapters.markdown import to_html, to_plain
        from adapters.slack.convert import to_mrkdwn
        from adapters.telegram.convert import to_telegram_html
        from bot.messages import literal

        reply = f"**Code** {literal(self.LINK + ' **x** <b>')}"
        assert to_plain(reply) == "Code [x](https://evil.example) **x** <b>"
        assert to_html(reply) == (
            "<p><strong>Code</strong> [x](https://evil.example) **x** &lt;b&gt;</p>"
        )
        assert to_telegram_html(reply) == "<b>Code</b> [x](https://evil.example) **x** &lt;b&gt;"
        from adapters.teams.convert import to_activity
        from bot.messages import Outbound

        # Teams renders Markdown (CommonMark), where a backslash makes any punctuation plain.
        teams = to_activity(Outbound(reply)).text
        assert teams == "**Code** \\[x\\]\\(https\\://evil.example\\) \\*\\*x\\*\\* \\<b\\>"
        star = "\u200b*\u200b"
        assert to_mrkdwn(reply) == (
            f"*Code* [x](https://evil.example) {star}{star}x{star}{star} &lt;b&gt;"
        )


def test_working_day_counts_skip_bank_holidays_and_leave() -> None:
    """Item 12: the one count behind "behind" and "stuck" is the scheduler's calendar."""
    from bot.people import working_days_since
    from scheduler.pacing import Pacing

    easter = Pacing(
        "Europe/London",
        "england",
        ("mon", "tue", "wed", "thu", "fri"),
        dt.time(9),
        dt.time(8),
        dt.time(18),
    )
    # Thursday 2 April 2026 to Tuesday 7 April: Good Friday and Easter Monday are bank
    # holidays, so only Tuesday counts.
    assert working_days_since(dt.date(2026, 4, 2), dt.date(2026, 4, 7), easter) == 1
    away = Pacing(
        "Europe/London",
        "england",
        ("mon", "tue", "wed", "thu", "fri"),
        dt.time(9),
        dt.time(8),
        dt.time(18),
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 5),
    )
    assert working_days_since(dt.date(2026, 3, 2), dt.date(2026, 3, 9), away) == 2


class TestSourcesReadLikeAReadingList:
    """Item 7: "Read more" is a list of titled links in every channel."""

    SOURCES = (
        (
            "NAO, Good practice contract management framework (December 2016)",
            "https://nao.example/f",
        ),
        ("Procurement Act 2023, section 52 (KPIs)", "https://legislation.example/s52"),
    )

    def reply(self) -> str:
        from bot.reading import reading_list
        from bot.texts import ENGLISH
        from lessons.model import Source

        return ENGLISH.sources.format(
            sources=reading_list([Source(title, url) for title, url in self.SOURCES])
        )

    def test_terminal_and_web_chat(self) -> None:
        from adapters.markdown import to_html, to_plain

        assert to_plain(self.reply()) == (
            "Read more\n"
            "- NAO, Good practice contract management framework (December 2016) "
            "(https://nao.example/f)\n"
            "- Procurement Act 2023, section 52 (KPIs) (https://legislation.example/s52)"
        )
        assert to_html(self.reply()) == (
            "<p><strong>Read more</strong></p><ul>"
            '<li><a href="https://nao.example/f" target="_blank" rel="noopener noreferrer">'
            "NAO, Good practice contract management framework (December 2016)</a></li>"
            '<li><a href="https://legislation.example/s52" target="_blank" '
            'rel="noopener noreferrer">Procurement Act 2023, section 52 (KPIs)</a></li></ul>'
        )

    def test_telegram_and_slack(self) -> None:
        from adapters.slack.convert import to_mrkdwn
        from adapters.telegram.convert import to_telegram_html

        assert to_telegram_html(self.reply()) == (
            "<b>Read more</b>\n"
            '• <a href="https://nao.example/f">NAO, Good practice contract management framework '
            "(December 2016)</a>\n"
            '• <a href="https://legislation.example/s52">Procurement Act 2023, section 52 '
            "(KPIs)</a>"
        )
        assert to_mrkdwn(self.reply()) == (
            "*Read more*\n"
            "• <https://nao.example/f|NAO, Good practice contract management framework "
            "(December 2016)>\n"
            "• <https://legislation.example/s52|Procurement Act 2023, section 52 (KPIs)>"
        )

    def test_teams_card(self) -> None:
        from adapters.teams.convert import card_for
        from bot.messages import Choice, Outbound

        card = card_for(Outbound(self.reply(), (Choice("next", "Next module"),)))
        assert card["body"][0]["text"] == (
            "**Read more**\n"
            "- [NAO, Good practice contract management framework \\(December 2016\\)]"
            "(https://nao.example/f)\n"
            "- [Procurement Act 2023, section 52 \\(KPIs\\)](https://legislation.example/s52)"
        )
