"""Every string the bot says, in one place, ready for translation (e.g. into Welsh).

Templates use str.format fields. Text is plain and short: it must read well in any chat
and through a screen reader, so no emoji carry meaning and no tables are used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Texts:
    """The bot's English wording."""

    welcome: str = (
        "Welcome to Contract Bites. I teach contract and relationship management in short "
        "bites: a few cards to read, then a quick quiz, never more than 20 minutes. Later I "
        "bring back questions just before you would forget them."
    )
    ask_council: str = (
        "Which council are you with? If your council gave you a join code, choose the "
        "second option."
    )
    demo_council_button: str = "Try the demo council"
    join_code_button: str = "I have a join code"
    ask_join_code: str = "Please type your council's join code."
    unknown_join_code: str = (
        "I don't know the join code {code}. Check it with your council's learning lead and "
        "type it again, or choose the demo council."
    )
    # Before joining (issue 14): commands other than /help, /define, /stop and /mydata.
    set_up_first: str = "Let's get you set up first; /{name} works after that."
    stop_before_joining: str = (
        "You haven't finished setting up, so I won't send you anything. Send /start "
        "whenever you want to begin."
    )
    joined: str = "You have joined {council}."
    # Moving council with /start CODE once set up (issue 14).
    code_unusable: str = (
        "I don't know the join code {code}, so you are still with {council}. Check the code "
        "with your council's learning lead and send /start with it again."
    )
    left_council: str = (
        "You have left {old}; your progress so far comes with you, and your daily bite "
        "stays at {time}, {days}."
    )
    confirm_move: str = (
        "You are with {old}. Move to {new}? Your progress comes with you, and {old} will "
        "no longer see how you are doing."
    )
    move_button: str = "Yes, move to {new}"
    stay_button: str = "No, stay with {old}"
    stayed: str = "You are staying with {old}."
    already_in_council: str = "You are already with {council}."
    ask_time: str = "When would you like your daily bite? Choose a time or type one, like 09:15."
    bad_time: str = "Please type a time like 09:15 or 14:30, or choose one of the buttons."
    onboarded: str = (
        "All set: your daily bite comes at {time}, {days}. You can change this with /settings."
    )
    first_bite_button: str = "Start my first bite"
    welcome_back: str = "Welcome back. Your daily bite is at {time}, {days}."
    resumed: str = "Welcome back: Contract Bites is running again for you."
    continue_button: str = "Continue"
    next_question_button: str = "Next question"
    module_intro: str = (
        "**Module {number} of {count}: {title}**\n"
        "About {minutes} minutes. You will be able to:\n{objectives}"
    )
    card: str = "**Card {number} of {count}: {title}**\n\n{body}"
    quiz_intro: str = "Quiz time: {count} questions."
    question: str = "**Question {number} of {count}**\n{stem}"
    correct: str = "Correct. {explanation}"
    incorrect: str = "Not quite. The answer is: {answer}. {explanation}"
    quiz_done: str = (
        "Quiz complete: you scored {score} out of {total}. That is {done} of {count} modules done."
    )
    sources: str = "**Read more**\n{sources}"  # {sources}: bot.reading.reading_list
    next_module_button: str = "Next module"
    bite_done_today: str = (
        "That is today's bite. Your next module, {title}, comes with tomorrow's bite; send "
        "/next if you want it now."
    )
    progress_button: str = "My progress"
    all_done: str = (
        "You have completed all {count} modules. Well done! New modules will appear here "
        "when your council adds them. See /progress for your scores."
    )
    progress_title: str = "**Your progress: {done} of {count} modules done.**"
    progress_done_heading: str = "Done:"
    progress_done_line: str = "- {title}: quiz {score} out of {total}"
    progress_in_progress_heading: str = "In progress:"
    progress_in_progress_line: str = "- {title} ({where})"
    progress_where_card: str = "card {number} of {count}"
    progress_where_question: str = "quiz question {number} of {count}"
    progress_next: str = "Next up: {title}"
    progress_nothing_yet: str = "You have not started a module yet. Send /next to begin."
    help: str = (
        "**What I can do**\n"
        "- /next: the next card, question or module\n"
        "- /progress: modules done and your quiz scores\n"
        "- /settings: your learning time and working days\n"
        "- /define TERM: what a contract management term means\n"
        "- /assess: a capability self-assessment, with modules for your gaps\n"
        "- /mydata: see or download your data, or ask for it to be erased\n"
        "- /pause DATE: going on leave; nothing is sent until that date\n"
        "- /stop: stop all messages; /start: resume\n"
        "- /start CODE: join your council with its join code (from the demo council too)\n"
        "- /help: this list"
    )
    help_manager: str = (
        "**For managers**\n"
        "- /team: who is on track, behind or stuck, and the weakest topics\n"
        "- /dashboard: a sign-in link to the web dashboard"
    )
    help_admin: str = "**For council admins**\n- /dashboard: a sign-in link to the web dashboard"
    settings: str = (
        "**Your settings**\nCouncil: {council}\nDaily bite: {time}\nWorking days: {days}"
    )
    change_time_button: str = "Change time"
    change_days_button: str = "Change days"
    ask_days: str = "Which days do you work? Choose below or type them, like: mon tue thu."
    bad_days: str = "Please type days like: mon tue wed, or choose one of the buttons."
    time_saved: str = "Saved: your daily bite comes at {time}."
    # A learning time outside the council's working hours comes at its edge (issue 14).
    time_before_work: str = (
        "Your council's working day starts at {start}, so your bite will come at {actual}."
    )
    time_after_work: str = (
        "Your council's working day ends at {end}, so your bite will come at {actual}."
    )
    settings_time_moved: str = "{time}, so it comes at {actual}, inside your working day"
    settings_leave: str = "Leave: until {date}"
    settings_paused: str = "Messages: stopped; send /start to resume"
    days_saved: str = "Saved: your working days are {days}."
    stopped: str = (
        "Paused. I will not send you anything until you come back. Send /start to resume."
    )
    paused_reply: str = "Contract Bites is paused for you. Send /start to resume."
    resume_button: str = "Resume"
    not_started: str = "Send /start to begin."
    empty: str = "I didn't get any text. Send /next to carry on, or /help to see what I can do."
    unknown_command: str = "I don't know the command /{name}. Send /help to see what I can do."
    not_understood: str = (
        "Sorry, I didn't understand that. Send /next to carry on with your lesson, or /help "
        "to see what I can do."
    )
    pick_an_answer: str = "Please choose one of the answers to the question above."
    forged_button: str = "Sorry, I don't recognise that button. Send /next to carry on."
    stale_button: str = "That button is out of date. Send /next to carry on."
    already_answered: str = (
        "You have already answered that question; your first answer counts. Send /next to carry on."
    )
    define_usage: str = "Tell me which term, for example: /define KPI"
    define_unknown: str = (
        "I don't have a definition of {term} yet. Try a term such as KPI or service credit."
    )
    definition: str = "**{term}**: {definition}"
    module_gone: str = (
        "The module you were on has been withdrawn from the curriculum, so we will move on."
    )
    days_weekdays: str = "Monday to Friday"
    days_range: str = "{first} to {last}"
    list_and: str = " and "
    day_names: tuple[str, ...] = (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    )
    no_time: str = "not set"
    lesson_nudge_new: str = (
        "Your daily bite is ready: **{title}**, module {number} of {count}, "
        "about {minutes} minutes."
    )
    lesson_nudge_resume: str = "Ready to carry on? You are part way through **{title}**."
    gentle_nudge: str = (
        "It has been a while. Whenever you are ready, your next bite is **{title}**, about "
        "{minutes} minutes. I won't send more reminders until you are back."
    )
    start_button: str = "Start"
    pretest_question: str = (
        "**Before you start ({number} of {count})**: a quick check of what you know already. "
        "It does not count.\n{stem}"
    )
    pretest_skip_button: str = "Skip"
    pretest_thanks: str = "Thanks: the lesson covers this."
    round_intro: str = (
        "**Refresher round**: {count} quick {questions} from modules you have done, about "
        "{minutes} min. Answer as many as you like; **Later** keeps the rest for your next "
        "round."
    )
    round_held: str = (
        "You have {backlog} refreshers waiting, more than your council's limit of {limit}, "
        "so today is a refresher day: your next module comes when fewer are waiting. Send "
        "/next to start it anyway."
    )
    round_held_waiting: str = (
        "Some of your refreshers have waited more than {days} days, so today is a refresher "
        "day: your next module comes once you have caught up. Send /next to start it anyway."
    )
    round_item: str = "**Refresher {number} of {count}** from {module}\n{stem}"
    question_word: str = "question"
    questions_word: str = "questions"
    later_button: str = "Later"
    guessed_button: str = "I guessed"
    round_later: str = "Fine: the other {count} {questions} wait for your next round."
    round_done: str = (
        "Round done: {right} of {count} right. The ones you missed come back sooner, the "
        "others later."
    )
    round_day_full: str = (
        "That makes about {minutes} minutes of learning today, so let us stop here: the "
        "other {count} {questions} wait for your next round."
    )
    round_all_answered: str = "You have answered every question of this round."
    guess_noted: str = "Noted as a guess, so this question comes back sooner."
    guess_noted_wrong: str = "Noted as a guess, not a misunderstanding."
    guess_already: str = "Already noted as a guess."
    guess_noted_checkup: str = "Noted as a guess."
    guess_too_late: str = "That question has come up again since, so this answer stays as it was."
    pause_usage: str = (
        "Going on leave? Tell me the last day you are away, for example /pause 24 Dec or "
        "/pause 2026-12-24. I will send nothing until then, and your refreshers will wait."
    )
    pause_bad_date: str = (
        "I couldn't read {text} as a date from today on. Try /pause 24 Dec or /pause 2026-12-24."
    )
    pause_too_long: str = "Leave can be up to a year. For longer, send /stop."
    paused_until: str = (
        "Enjoy your leave. I won't send you anything until after {date}, and your refreshers "
        "will wait. Send /start if you come back early."
    )
    back_from_leave: str = "Welcome back. Your daily bites start again from today."
    resumed_on_leave: str = (
        "Welcome back: Contract Bites is running again for you. You are still on leave "
        "until {date}, so your daily bites start again after that."
    )
    end_leave_button: str = "End my leave now"
    not_on_leave: str = "You are not on leave, so there is nothing to end."

    # Capability self-assessment (/assess) and personal data (/mydata), issue 8.
    assess_unavailable: str = "The capability self-assessment is not available here yet."
    assess_intro: str = (
        "**Capability self-assessment**\nFor each of the {count} NAO areas your council uses, "
        "pick the statement that best fits how contracts are managed where you work today, "
        "then the level you aim for. You can stop at any time and send /assess to carry on. "
        "Your council sees its people's answers combined; other councils see only anonymous "
        "figures, and only where at least five councils took part."
    )
    assess_resume: str = "Welcome back: you have answered {done} of {count} areas. Next:"
    assess_area: str = (
        "**NAO area {area}: {title}** ({number} of {count})\n"
        "Which statement fits best today?\n{statements}"
    )
    assess_statement: str = "- {level}: {statement}"
    assess_ask_target: str = "You chose {level}. Which level are you aiming for?"
    assess_stay_button: str = "Stay at {level}"
    assess_summary_title: str = "**Your self-assessment**"
    assess_summary_line: str = "- {area}: {level}, aiming for {target}"
    assess_summary_at_target: str = "- {area}: {level}, at your target"
    assess_path: str = "**Your path**: these modules help close your gaps."
    assess_path_line: str = "- {title}"
    assess_path_more: str = "- and {count} more"
    assess_path_done: str = "You have already completed the modules for your gaps."
    assess_no_gaps: str = "You are at your target in every area."
    assess_again_button: str = "Take it again"
    mydata_unavailable: str = "I could not find any data about you."
    mydata_summary: str = (
        "**Your data**\nThis is what Contract Bites stores about you:\n"
        "- Your council: {council}\n"
        "- Your chat accounts: {platforms}\n"
        "- {roster}\n"
        "- Your learning time, working days and any leave dates\n"
        "- {modules} module records and {answers} quiz answers\n"
        "- {cards} refresher cards and {reviews} refresher reviews\n"
        "- {deliveries} messages planned or sent to you\n"
        "- {assessments} self-assessment answers\n"
        "- {roles} roles, such as manager\n"
        "It is used only to teach you and to show your council how learning is going. "
        "Download gives you a full copy; erase deletes all of it."
    )
    mydata_no_council: str = "none yet"
    mydata_roster_yes: str = "Your name or email, from your council's staff list"
    mydata_roster_no: str = "No name or email"
    mydata_download_button: str = "Download my data"
    mydata_erase_button: str = "Erase my data"
    mydata_download_intro: str = (
        "Here is a full copy of your data as JSON text, in {parts} part(s). To keep it, copy "
        "the parts in order into one file."
    )
    mydata_erase_confirm: str = (
        "Erase all your data? This deletes your progress, answers, refreshers, "
        "self-assessment, messages and chat accounts from Contract Bites. It cannot be "
        "undone, and your council's figures will no longer include you."
    )
    mydata_erase_yes_button: str = "Yes, erase my data"
    mydata_erase_no_button: str = "No, keep it"
    mydata_erased: str = (
        "Done: your data has been erased. If you write to me again, you start afresh."
    )
    mydata_kept: str = "Nothing was erased. Send /next to carry on."

    # Dashboard (issue 8): the /dashboard sign-in link.
    # The address links point to; wiring sets it from CB_PUBLIC_URL (or the local port).
    dashboard_base_url: str = "http://127.0.0.1:8080"
    dashboard_link: str = (
        "Here is your sign-in link to the Contract Bites dashboard. It works once, for "
        "{minutes} minutes; do not share it.\n{url}"
    )
    dashboard_not_for_you: str = (
        "The dashboard is for managers and council admins. Ask your council's Contract "
        "Bites admin if you need access."
    )

    # Teams and managers (issue 8): team join codes, /team and nudges.
    joined_team: str = "You have joined {council}, in the team {team}."
    team_switched: str = "You are now in the team {team}."
    team_not_manager: str = (
        "The /team command is for managers. If you manage a team, ask your council's "
        "Contract Bites admin to set you up as its manager."
    )
    team_empty: str = (
        "Nobody has joined your team yet. Your council's Contract Bites admin can give you "
        "its join code to share."
    )
    person_one: str = "person"
    person_many: str = "people"
    team_heading: str = "**{team}**: {count} {people}"
    team_on_track: str = "On track ({count}): {names}."
    team_behind_heading: str = "Behind ({count}):"
    team_behind_line: str = "- {name}: no module finished for {days} working days"
    team_stuck_heading: str = "Stuck ({count}):"
    team_stuck_line: str = "- {name}: no step forward in {module} for {days} working days"
    team_away: str = "On leave or paused ({count}): {names}."
    team_not_joined: str = "Not joined yet ({count}): {names}."
    team_unnamed: str = "Officer {id}"
    team_unknown_module: str = "a withdrawn module"
    team_topics_heading: str = "**Weakest topics** (lowest predicted recall):"
    team_topic_line: str = (
        "- {title}: {percent}% likely to be recalled today, over {cards} refresher cards"
    )
    team_no_topics: str = "No refresher questions reviewed yet, so no weakest topics to show."
    team_misconceptions_heading: str = (
        "**Possible misconceptions** (answered wrong, not marked as a guess, in the last 30 days):"
    )
    team_misconception_line: str = "- {stem} ({title}): {count} {people}"
    person_word: str = "person"
    people_word: str = "people"
    nudge_all_button: str = "Nudge everyone behind or stuck"
    nudge_one_button: str = "Nudge {name}"
    nudge_queued: str = "Nudge queued for {count} {people}."
    nudge_already: str = "Already nudged today (one a day at most): {names}."
    nudge_nobody_behind: str = "Nobody in your team is behind or stuck, so nobody was nudged."
    nudge_not_in_team: str = "That person is not in a team you manage, so nobody was nudged."
    nudge_resume: str = (
        "A friendly nudge from your manager: you are part way through **{title}**. Carry on "
        "whenever you have a few minutes."
    )
    nudge_new: str = (
        "A friendly nudge from your manager: your next bite is **{title}**, about {minutes} "
        "minutes. Start whenever you are ready."
    )


ENGLISH = Texts()
