"""Conversation tests: the real bot on a real SQLite store, exact replies asserted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import AnswerRow, Learner, ModuleProgressRow
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
MODULE_1_INTRO = (
    "Module 1 of 3: What contract management is\nAbout 5 minutes. You will be able to:\n"
    "- Say which part of a contract's life contract management covers.\n"
    "- Name the four blocks of the NAO good practice framework."
)
CARD_1 = (
    "Card 1 of 3: Signing is the start\n\nContract management is everything the council does "
    "after a contract is awarded to get what it is paying for: checking performance, paying "
    "correctly, handling change and risk, and planning for the end.\n[1] Continue"
)
CARD_2 = (
    "Card 2 of 3: The NAO framework\n\nThe National Audit Office's good practice framework "
    "(2008, second edition 2016) is the standard reference. It has 11 areas in 4 blocks: "
    "structure and resources, delivery, development, and strategy.\n[1] Continue"
)
CARD_3 = (
    'Card 3 of 3: Why you may hear "8 areas"\n\nIn 2013 the Cabinet Office reviewed major '
    "contracts after problems with Serco and G4S. It used areas 1 to 8 of the framework as its "
    "checklist, so some guides speak of eight areas. The full framework still has eleven."
    "\n[1] Continue"
)
QUESTION_1 = (
    "Question 1 of 4\nWhich stage of a contract does the NAO framework cover?\n"
    "[1] Evaluating the bids\n[2] Running the contract after award\n[3] Writing the specification"
)
QUESTION_2 = (
    "Question 2 of 4\nThe NAO good practice framework has eight areas.\n[1] True\n[2] False"
)
HELP = (
    "What I can do\n- /next: the next card, question or module\n"
    "- /progress: modules done and your quiz scores\n"
    "- /settings: your learning time and working days\n"
    "- /define TERM: what a contract management term means\n"
    "- /assess: a capability self-assessment, with modules for your gaps\n"
    "- /mydata: see or download your data, or ask for it to be erased\n"
    "- /pause DATE: going on leave; nothing is sent until that date\n"
    "- /stop: stop all messages; /start: resume\n"
    "- /start CODE: join your council with its join code (from the demo council too)\n"
    "- /help: this list\n[1] Continue"
)


@pytest.fixture
def user(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> ChatUser:
    return ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)


def onboard(user: ChatUser) -> None:
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")


def learner_row(user: ChatUser) -> Learner:
    with Session(user.services.engine) as session:
        return session.exec(select(Learner)).one()


def test_onboarding_with_the_demo_council(user: ChatUser) -> None:
    assert user.say("/start") == [WELCOME, ASK_COUNCIL]
    assert user.press("Try the demo council") == ["You have joined Demo Council.", ASK_TIME]
    assert user.say("9.15am") == [
        "All set: your daily bite comes at 09:15, Monday to Friday. You can change this with "
        "/settings.\n[1] Start my first bite"
    ]
    row = learner_row(user)
    assert (row.stage, row.learning_time, row.working_days) == (
        "active",
        "09:15",
        "mon tue wed thu fri",
    )


def test_onboarding_with_a_join_code(user: ChatUser) -> None:
    user.services.store.ensure_council(
        "borsetshire", "Borsetshire County Council", "BORS-26", user.clock.now()
    )
    user.say("/start")
    assert user.press("I have a join code") == ["Please type your council's join code."]
    assert user.say("nope") == [
        "I don't know the join code nope. Check it with your council's learning lead and type "
        "it again, or choose the demo council.\n[1] Try the demo council\n[2] I have a join code"
    ]
    assert user.say("bors-26") == ["You have joined Borsetshire County Council.", ASK_TIME]
    assert user.say("25:00") == [
        "Please type a time like 09:15 or 14:30, or choose one of the buttons.\n"
        "[1] 08:30\n[2] 12:30\n[3] 16:00"
    ]


def test_start_with_a_code_or_an_council_hint_joins_at_once(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    services = make_services(sqlite_url, clock, demo_curriculum)
    first = ChatUser(services, clock, user_id="a")
    assert first.say("/start demo") == [WELCOME, "You have joined Demo Council.", ASK_TIME]
    second = ChatUser(services, clock, user_id="b")
    assert second.say("hello", council_hint="demo") == [
        WELCOME,
        "You have joined Demo Council.",
        ASK_TIME,
    ]


def test_a_whole_module_and_its_quiz(user: ChatUser) -> None:
    onboard(user)
    assert user.press("Start my first bite") == [MODULE_1_INTRO, CARD_1]
    assert user.press("Continue") == [CARD_2]
    assert user.press("Continue") == [CARD_3]
    assert user.press("Continue") == ["Quiz time: 4 questions.", QUESTION_1]
    user.clock.advance(dt.timedelta(seconds=12))
    assert user.press("Running the contract after award") == [
        "Correct. The framework covers the operational phase, once the contract is awarded and "
        "the service is running. Specification and evaluation belong to the procurement before "
        "it.\n[1] Next question\n[2] I guessed"
    ]
    assert user.press("Next question") == [QUESTION_2]
    assert user.press("True") == [
        "Not quite. The answer is: False. It has 11 areas in 4 blocks. The 2013 review of major "
        'contracts used areas 1 to 8 as a checklist, which is where "eight areas" comes from.'
        "\n[1] Next question\n[2] I guessed"
    ]
    user.press("Next question")
    user.press("Delivery")
    user.press("Next question")
    assert user.press("Paying is one part; performance, change, risk and exit matter too") == [
        "Correct. Payment and incentives are one area of the framework. Contract managers also "
        "manage performance, relationships, risk, change and the end of the contract.",
        # No "I guessed": t1-q4 is not a refresher question, so there is no review to re-rate.
        "Quiz complete: you scored 3 out of 4. That is 1 of 3 modules done.",
        "Read more\n- Cabinet Office, Contract management framework summary (NAO framework) "
        "(https://www.gov.uk/government/publications/commercial-capability-contract-management-"
        "standards/contract-management-framework-summary)\n[1] Next module\n[2] My progress",
    ]
    with Session(user.services.engine) as session:
        answers = session.exec(select(AnswerRow).order_by(AnswerRow.id)).all()
        progress = session.exec(select(ModuleProgressRow)).one()
    assert [(a.question_id, a.option_id, a.correct) for a in answers] == [
        ("t1-q1", "c", True),
        ("t1-q2", "a", False),
        ("t1-q3", "b", True),
        ("t1-q4", "b", True),
    ]
    assert answers[0].answered_at == user.clock.now()
    assert answers[0].answered_at.tzinfo is dt.UTC
    assert answers[0].duration_ms == 12_000
    assert (progress.status, progress.score, progress.total) == ("completed", 3, 4)


def test_progress_shows_done_in_progress_and_next(user: ChatUser) -> None:
    onboard(user)
    assert user.say("/progress") == [
        "Your progress: 0 of 3 modules done.\nNext up: What contract management is\n"
        "You have not started a module yet. Send /next to begin.\n[1] Continue"
    ]
    user.press("Continue")
    for _ in range(3):
        user.press("Continue")
    for label in ("Running the contract after award", "False", "Tendering"):
        user.press(label)
        user.press("Next question")
    user.press("Paying is one part; performance, change, risk and exit matter too")
    user.press("Next module")
    user.press("Continue")
    assert user.say("/progress") == [
        "Your progress: 1 of 3 modules done.\nDone:\n"
        "- What contract management is: quiz 3 out of 4\nIn progress:\n"
        "- KPIs and contract performance notices (card 2 of 3)\n"
        "Next up: Changing a contract lawfully\n[1] Continue"
    ]


def test_resume_after_restart_continues_where_the_learner_was(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    before = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    onboard(before)
    before.press("Start my first bite")
    before.press("Continue")
    before.services.engine.dispose()

    after = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    assert after.say("/next") == [CARD_3]
    assert after.say("/next") == ["Quiz time: 4 questions.", QUESTION_1]
    # A pending question survives a restart too, and /next shows it again, not the next one.
    again = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    assert again.say("/next") == [QUESTION_1]
    assert again.say("/start") == [
        "Welcome back. Your daily bite is at 12:30, Monday to Friday.\n[1] Continue"
    ]


def test_help_works_at_any_stage(user: ChatUser) -> None:
    assert user.say("/help") == [HELP]
    onboard(user)
    assert user.say("help") == [HELP]


class TestBadInput:
    """Each bad input gets a clear reply and changes nothing it should not."""

    def test_empty_input(self, user: ChatUser) -> None:
        onboard(user)
        before = learner_row(user)
        assert user.say("   ") == [
            "I didn't get any text. Send /next to carry on, or /help to see what I can do."
        ]
        assert learner_row(user) == before

    def test_unknown_command(self, user: ChatUser) -> None:
        onboard(user)
        before = learner_row(user)
        assert user.say("/frobnicate now") == [
            "I don't know the command /frobnicate. Send /help to see what I can do."
        ]
        assert learner_row(user) == before

    def test_free_text(self, user: ChatUser) -> None:
        onboard(user)
        assert user.say("what is this?") == [
            "Sorry, I didn't understand that. Send /next to carry on with your lesson, or /help "
            "to see what I can do."
        ]

    def test_text_instead_of_an_answer_shows_the_question_again(self, user: ChatUser) -> None:
        onboard(user)
        user.press("Start my first bite")
        for _ in range(3):
            user.press("Continue")
        assert user.say("the third one") == [
            "Please choose one of the answers to the question above.",
            QUESTION_1,
        ]

    @pytest.mark.parametrize(
        "payload",
        ["ans:t1-q1:z", "ans:no-such-question:a", "drop table", "x" * 200, "time:2599", ""],
    )
    def test_forged_button(self, user: ChatUser, payload: str) -> None:
        onboard(user)
        user.press("Start my first bite")
        for _ in range(3):
            user.press("Continue")
        before = learner_row(user)
        assert user.press_payload(payload) == [
            "Sorry, I don't recognise that button. Send /next to carry on."
        ]
        assert learner_row(user) == before
        with Session(user.services.engine) as session:
            assert session.exec(select(AnswerRow)).all() == []

    def test_stale_button(self, user: ChatUser) -> None:
        onboard(user)
        user.press("Start my first bite")
        for _ in range(3):
            user.press("Continue")
        q1 = user.payload_of("Running the contract after award")
        user.press("Running the contract after award")
        user.press("Next question")
        assert user.press_payload("ans:t1-q3:b") == [
            "That button is out of date. Send /next to carry on."
        ]
        assert user.press_payload("join:demo") == [
            "That button is out of date. Send /next to carry on."
        ]
        assert user.press_payload("time:0830") == [
            "That button is out of date. Send /next to carry on."
        ]
        assert user.press_payload(q1) == [
            "You have already answered that question; your first answer counts. "
            "Send /next to carry on."
        ]
        with Session(user.services.engine) as session:
            answers = session.exec(select(AnswerRow)).all()
        assert [(a.question_id, a.option_id) for a in answers] == [("t1-q1", "c")]

    def test_answering_twice_counts_once(self, user: ChatUser) -> None:
        onboard(user)
        user.press("Start my first bite")
        for _ in range(3):
            user.press("Continue")
        wrong = user.payload_of("Writing the specification")
        user.press("Running the contract after award")
        assert user.press_payload(wrong) == [
            "You have already answered that question; your first answer counts. "
            "Send /next to carry on."
        ]
        with Session(user.services.engine) as session:
            assert len(session.exec(select(AnswerRow)).all()) == 1

    def test_platform_redelivery_is_handled_once(self, user: ChatUser) -> None:
        onboard(user)
        user.press("Start my first bite")
        for _ in range(3):
            user.press("Continue")
        choice = user.payload_of("Running the contract after award")
        from bot.messages import ConversationRef, Inbound

        ref = ConversationRef(user.platform, "conv", user.user_id)
        inbound = Inbound(ref, user.clock.now(), choice_id=choice, message_id="same-id")
        assert len(user.services.bot.handle(inbound)) == 1
        assert user.services.bot.handle(inbound) == []
        with Session(user.services.engine) as session:
            assert len(session.exec(select(AnswerRow)).all()) == 1

    def test_before_onboarding_commands_lead_back_to_the_council_question(
        self, user: ChatUser
    ) -> None:
        user.say("/start")
        assert user.say("/next") == [
            "Let's get you set up first; /next works after that.",
            ASK_COUNCIL,
        ]
        assert user.press_payload("ans:t1-q1:a") == [ASK_COUNCIL]


def test_stop_pauses_and_start_resumes(user: ChatUser) -> None:
    onboard(user)
    assert user.say("/stop") == [
        "Paused. I will not send you anything until you come back. Send /start to resume."
    ]
    assert learner_row(user).paused is True
    assert user.say("/next") == [
        "Contract Bites is paused for you. Send /start to resume.\n[1] Resume"
    ]
    assert user.say("/progress")[0].startswith("Your progress: 0 of 3 modules done.")
    user.say("/next")
    assert user.press("Resume") == [
        "Welcome back: Contract Bites is running again for you.\n[1] Continue"
    ]
    assert learner_row(user).paused is False
    assert user.press("Continue") == [MODULE_1_INTRO, CARD_1]


def test_settings_change_time_and_days(user: ChatUser) -> None:
    onboard(user)
    assert user.say("/settings") == [
        "Your settings\nCouncil: Demo Council\nDaily bite: 12:30\nWorking days: Monday to Friday"
        "\n[1] Change time\n[2] Change days"
    ]
    assert user.press("Change time") == [ASK_TIME]
    assert user.press("08:30") == ["Saved: your daily bite comes at 08:30."]
    user.say("/settings")
    assert user.press("Change days") == [
        "Which days do you work? Choose below or type them, like: mon tue thu.\n"
        "[1] Monday to Friday\n[2] Monday to Thursday\n[3] Tuesday to Friday"
    ]
    assert user.say("most days") == [
        "Please type days like: mon tue wed, or choose one of the buttons.\n"
        "[1] Monday to Friday\n[2] Monday to Thursday\n[3] Tuesday to Friday"
    ]
    assert user.say("mon, wed and fri") == [
        "Saved: your working days are Monday, Wednesday and Friday."
    ]
    row = learner_row(user)
    assert (row.learning_time, row.working_days) == ("08:30", "mon wed fri")


def test_define_uses_the_glossary(sqlite_url: str, clock: ManualClock) -> None:
    from lessons.loader import load_curriculum

    user = ChatUser(make_services(sqlite_url, clock, load_curriculum()), clock)
    onboard(user)
    assert user.say("/define")[0] == "Tell me which term, for example: /define KPI"
    assert user.say("/define kpi")[0].startswith("KPI: ")
    assert user.say("/define flux capacitor") == [
        "I don't have a definition of flux capacitor yet. Try a term such as KPI or service credit."
    ]


def test_all_modules_done(user: ChatUser, demo_curriculum: Curriculum) -> None:
    onboard(user)
    user.press("Start my first bite")
    for module in demo_curriculum.modules:
        for _ in module.cards:
            user.say("/next")
        for question in module.questions:
            user.say("/next")
            user.press(question.correct_option.text)
    assert user.say("/next") == [
        "You have completed all 3 modules. Well done! New modules will appear here when your "
        "council adds them. See /progress for your scores.\n[1] My progress"
    ]


def test_every_core_module_and_quiz_can_be_taken_through_the_bot(
    sqlite_url: str, clock: ManualClock
) -> None:
    """Load the whole built-in curriculum and take every module, answering every question."""
    from lessons.loader import load_curriculum

    curriculum = load_curriculum()
    user = ChatUser(make_services(sqlite_url, clock, curriculum), clock)
    onboard(user)
    for number, module in enumerate(curriculum.modules, 1):
        replies = user.say("/next")
        assert replies[0].startswith(f"Module {number} of {len(curriculum.modules)}: ")
        if replies[-1].startswith("Before you start"):  # the learning-effect pre-test
            assert user.press("Skip")[0].startswith("Card 1 of ")
        for _ in module.cards[1:]:
            user.say("/next")
        for index, question in enumerate(module.questions):
            user.say("/next")
            # Alternate right and wrong answers; the score must count only the right ones.
            option = (
                question.correct_option
                if index % 2 == 0
                else next(o for o in question.options if not o.correct)
            )
            feedback = user.press(option.text)
            assert feedback[0].startswith("Correct." if option.correct else "Not quite.")
        right = (len(module.questions) + 1) // 2
        assert feedback[1].split("\n")[0] == (
            f"Quiz complete: you scored {right} out of {len(module.questions)}. "
            f"That is {number} of {len(curriculum.modules)} modules done."
        )
    assert user.say("/next")[0].startswith(f"You have completed all {len(curriculum.modules)}")


def test_a_second_module_the_same_day_is_offered_only_within_twenty_minutes(
    sqlite_url: str, clock: ManualClock
) -> None:
    """Core modules take 9 to 11 minutes: after one, the next is not offered with a button
    (it would take the day past 20 minutes), but /next still starts it."""
    from lessons.loader import load_curriculum

    curriculum = load_curriculum()
    user = ChatUser(make_services(sqlite_url, clock, curriculum), clock)
    onboard(user)
    first, second = curriculum.modules[0], curriculum.modules[1]
    replies = user.say("/next")
    if replies[-1].startswith("Before you start"):
        user.press("Skip")
    for _ in first.cards[1:]:
        user.say("/next")
    for question in first.questions:
        user.say("/next")
        feedback = user.press(question.correct_option.text)
    assert feedback[1] == (
        f"Quiz complete: you scored {len(first.questions)} out of {len(first.questions)}. "
        f"That is 1 of {len(curriculum.modules)} modules done.\n"
        f"That is today's bite. Your next module, {second.title}, comes with tomorrow's bite; "
        "send /next if you want it now."
    )
    assert feedback[2].endswith("\n[1] My progress")
    assert user.say("/next")[0].startswith(f"Module 2 of {len(curriculum.modules)}: ")
