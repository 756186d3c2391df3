"""The `bites` command line: serve, chat, content and database commands."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import built_or_exit, cli_settings, migrated_engine
from app.cli_content import register as register_content_commands
from app.cli_effect import register as register_effect_command
from app.cli_export import register as register_data_commands
from app.cli_msteams import register as register_msteams
from app.cli_people import register_people
from app.cli_slack import slack_app
from app.cli_telegram import telegram_app

if TYPE_CHECKING:
    from adapters.terminal.adapter import Waiter
    from app.wiring import Services
    from bot.council_pacing import Problem
    from bot.messages import Outbound
    from runtime.clock import ManualClock

app = typer.Typer(
    rich_markup_mode=None,
    name="bites",
    help="Contract Bites: chat-first micro-learning of contract and relationship management.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(rich_markup_mode=None, help="Database migrations.", no_args_is_help=True)
council_app = typer.Typer(
    rich_markup_mode=None, help="Councils (tenants) and their join codes.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(council_app, name="council")
register_msteams(app)  # bites msteams (and bites teams, its deprecated alias)
app.add_typer(telegram_app, name="telegram")
app.add_typer(slack_app, name="slack")
register_people(app, council_app)  # team, role, roster, campaign; council tier
register_data_commands(app)  # bites export …, bites learner erase (issue 8)
register_effect_command(app)  # bites effect (issue 13)
register_content_commands(app)  # bites content …


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (CB_PORT).")] = None,
    telegram_polling: Annotated[
        bool, typer.Option(help="Take Telegram updates by long polling (local use), not webhook.")
    ] = False,
) -> None:
    """Run the web service: web chat, webhooks, health checks and the scheduler."""
    import asyncio

    import uvicorn

    from app.channel_settings import channel_problems, refused_credentials
    from app.heap import freeze_startup_heap
    from app.host import create_app
    from app.logs import configure_logging
    from app.wiring import build_services

    settings = cli_settings(host=host, port=port, telegram_polling=telegram_polling or None)
    _stop_on(channel_problems(settings))
    configure_logging(settings.log_level, settings.log_format)
    _stop_on(asyncio.run(refused_credentials(settings)))
    services = built_or_exit(lambda: build_services(settings))
    freeze_startup_heap()  # the collector's full passes would stall sending (app/heap.py)
    typer.echo(
        f"Contract Bites is running. Open the web chat at http://{settings.host}:{settings.port}/chat"
        " (Ctrl-C to stop)."
    )
    uvicorn.run(
        create_app(services),
        host=settings.host,
        port=settings.port,
        log_config=None,
        server_header=False,
        proxy_headers=False,  # the app applies CB_TRUSTED_PROXIES itself (app.host)
    )


def _stop_on(problems: list[str]) -> None:
    """Stop `bites serve` with one line per problem, naming the setting to fix."""
    if problems:
        for problem in problems:
            typer.echo(f"bites serve: {problem}", err=True)
        raise typer.Exit(2)


@app.command()
def chat(
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: the embedded database).")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="Your user id in the terminal.")] = "local",
    council: Annotated[
        str | None,
        typer.Option("--council", "--org", help="Join the council with this join code on /start."),
    ] = None,
    simulated_clock: Annotated[
        bool,
        typer.Option(
            "--simulated-clock",
            help="Run the scheduler on a simulated clock: /wait 2d (or 3h, 30m) moves time "
            "on and shows the lessons and refreshers that arrive meanwhile.",
        ),
    ] = False,
    start: Annotated[
        str | None,
        typer.Option(help="With --simulated-clock: start at this UTC time, e.g. 2026-03-02T09:00."),
    ] = None,
) -> None:
    """Talk to the bot in this terminal. Scripted: one message per line on standard input."""
    from adapters.terminal.adapter import run_terminal
    from app.logs import configure_logging
    from app.wiring import build_services

    settings = cli_settings(database_url=db, scheduler=False, webchat=False)
    configure_logging("WARNING", "text")
    clock = _simulated_clock(start) if simulated_clock else None
    services = built_or_exit(lambda: build_services(settings, clock=clock))
    run_terminal(
        services.bot.handle,
        services.clock,
        user,
        sys.stdin,
        sys.stdout,
        council_hint=council,
        interactive=sys.stdin.isatty(),
        wait=_waiter(services, clock, user) if clock else None,
        opening=_opening(services, user),
    )


def _opening(services: Services, user: str) -> Callable[[], list[Outbound]] | None:
    """For a learner already set up in this terminal: their /progress, which says where
    they are with a Continue button and changes nothing (it works while paused too)."""
    from sqlmodel import Session, select

    from adapters.terminal.convert import PLATFORM
    from bot.messages import ConversationRef, Inbound
    from storage.tables import Identity, Learner

    with Session(services.engine) as session:
        found = session.exec(
            select(Learner.stage)
            .join(Identity, Identity.learner_id == Learner.id)  # type: ignore[arg-type]
            .where(Identity.platform == PLATFORM, Identity.user_id == user)
        ).first()
    if found != "active":
        return None
    ref = ConversationRef(PLATFORM, user, user)
    return lambda: services.bot.handle(Inbound(ref, services.clock.now(), text="/progress"))


def _simulated_clock(start: str | None) -> ManualClock:
    from runtime.clock import ManualClock

    if start is None:
        return ManualClock(dt.datetime.now(dt.UTC).replace(second=0, microsecond=0))
    try:
        moment = dt.datetime.fromisoformat(start)
    except ValueError:
        typer.echo(f"--start: {start!r} is not a date and time like 2026-03-02T09:00", err=True)
        raise typer.Exit(2) from None
    return ManualClock(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


def _waiter(services: Services, clock: ManualClock, user: str) -> Waiter:
    """Proactive messages to the terminal user arrive while a /wait moves the clock."""
    from adapters.recording import RecordingSender
    from adapters.terminal.convert import PLATFORM
    from app.simulated import MAX_WAIT, advance, parse_duration

    sender = RecordingSender(PLATFORM, clock.now)
    services.senders[PLATFORM] = sender

    def wait(
        raw: str, note: Callable[[str], None]
    ) -> list[tuple[dt.datetime, tuple[Outbound, ...]]] | str | None:
        delta = parse_duration(raw)
        if delta is None:
            return None
        if delta > MAX_WAIT:
            return (
                f"I can move the clock on by up to {MAX_WAIT.days} days at a time; "
                f"type /wait {MAX_WAIT.days}d or less, and again for longer."
            )
        start = len(sender.sent)

        def progress(done: dt.timedelta) -> None:
            note(f"(... {done.days} of {delta.days} days simulated, {clock.now():%a %d %b %Y})")

        advance(services, clock, delta, progress=progress)
        return [(s.at, s.messages) for s in sender.sent[start:] if s.ref.user_id == user]

    return wait


@app.command()
def simulate(
    learners: Annotated[int, typer.Option(min=1, help="How many simulated learners.")] = 200,
    days: Annotated[int, typer.Option(min=1, help="How many days to simulate.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same run.")] = 1,
    start: Annotated[
        str, typer.Option(help="First moment simulated (UTC); the default spans Easter 2026.")
    ] = "2026-03-23T00:00",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    round_size: Annotated[
        int | None, typer.Option(help="Every council's refresher round size (default 12).")
    ] = None,
    backlog_limit: Annotated[
        int | None, typer.Option(help="Every council's backlog limit (default 40).")
    ] = None,
    retention: Annotated[
        float | None, typer.Option(help="Every council's desired retention (default 0.92).")
    ] = None,
) -> None:
    """Run the real planner, dispatcher and bot on a fresh database with a simulated clock
    and simulated learners who remember and forget; check every send against the pacing
    rules and report what the learners know (docs/learning.md)."""
    from app.logs import configure_logging
    from app.simulate import run_simulation

    configure_logging("WARNING", "text")
    given = {
        "round_size": round_size,
        "backlog_limit": backlog_limit,
        "desired_retention": retention,
    }
    policy = {name: value for name, value in given.items() if value is not None}
    summary = run_simulation(learners, days, seed, _simulated_clock(start).now(), policy=policy)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for name, value in summary.items():
        typer.echo(f"{name}: {value}")


@council_app.command("add")
def council_add(
    code: Annotated[str, typer.Option(help="Short code, e.g. borsetshire (local packs name it).")],
    name: Annotated[str, typer.Option(help="Full name shown to learners.")],
    join_code: Annotated[str, typer.Option(help="Code officers type to join (/start CODE).")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Create a council, or show the existing one with that code (an existing council
    keeps its name and join code: a different --name or --join-code is refused, saying so)."""
    from runtime.clock import SystemClock
    from storage.store import SqlStore

    engine = migrated_engine(db)
    store = SqlStore(engine)
    council = store.ensure_council(code, name, join_code, SystemClock().now())
    # An existing council keeps its own join code: show the one that works.
    stored = store.join_code_of(code) or join_code
    typer.echo(f"Council {council.code}: {council.name}. Officers join with /start {stored}")
    differences = []
    if stored.casefold() != join_code.strip().casefold():
        differences.append(f"its join code is {stored}, not {join_code}")
    if council.name != name:
        differences.append(f"its name is {council.name!r}, not {name!r}")
    if differences:
        typer.echo(
            f"Council {council.code} already exists and was not changed: {'; '.join(differences)}.",
            err=True,
        )
        raise typer.Exit(1)


# `bites council set` options, named once so the command reads as its steps.
TimezoneOption = Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/London.")]
NationOption = Annotated[
    str | None, typer.Option(help="For bank holidays: england, wales, scotland, northern_ireland.")
]
WorkStartOption = Annotated[str | None, typer.Option(help="Working hours start, HH:MM.")]
WorkEndOption = Annotated[str | None, typer.Option(help="Working hours end, HH:MM.")]
RetentionOption = Annotated[
    float | None,
    typer.Option(min=0.7, max=0.97, help="Desired retention for refreshers (FSRS), 0.7-0.97."),
]
LessonCapOption = Annotated[
    int | None, typer.Option(min=0, max=3, help="Lesson nudges per learner per day.")
]
RoundSizeOption = Annotated[
    int | None, typer.Option(min=0, max=30, help="Questions in a refresher round (default 12).")
]
LessonDayRoundOption = Annotated[
    int | None,
    typer.Option(min=0, max=30, help="Questions in a round on a day with a lesson (default 8)."),
]
BacklogOption = Annotated[
    int | None,
    typer.Option(
        min=0, max=500, help="Due refreshers above which no new module is offered (default 40)."
    ),
]


@council_app.command("set")
def council_set(
    code: Annotated[str, typer.Argument(help="The council's code.")],
    timezone: TimezoneOption = None,
    nation: NationOption = None,
    work_start: WorkStartOption = None,
    work_end: WorkEndOption = None,
    retention: RetentionOption = None,
    lesson_cap: LessonCapOption = None,
    round_size: RoundSizeOption = None,
    round_size_lesson_day: LessonDayRoundOption = None,
    backlog_limit: BacklogOption = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Change a council's pacing: time zone, nation, working hours, retention, the lesson
    cap, the refresher round's sizes and the backlog limit (see docs/learning.md).

    Changes apply from the next day the planner plans."""
    from bot.council_pacing import check_pacing
    from storage.store import SqlStore

    given = {
        "timezone": timezone,
        "nation": nation,
        "work_start": work_start,
        "work_end": work_end,
        "desired_retention": retention,
        "lesson_cap": lesson_cap,
        "round_size": round_size,
        "round_size_lesson_day": round_size_lesson_day,
        "backlog_limit": backlog_limit,
    }
    checked = check_pacing({k: str(v) for k, v in given.items() if v is not None})
    problems = _pacing_problems(checked.problems, given)
    if problems:
        typer.echo("\n".join(problems), err=True)
        raise typer.Exit(2)
    engine = migrated_engine(db)
    council = SqlStore(engine).set_council_pacing(code, **dict(checked.values))
    if council is None:
        typer.echo(f"No council with the code {code!r}. Add it with: bites council add", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"Council {council.code}: {council.timezone}, {council.nation}, working hours "
        f"{council.work_start}-{council.work_end}, desired retention {council.desired_retention}, "
        f"{council.lesson_cap} lesson nudge(s) a day, refresher rounds of {council.round_size} "
        f"({council.round_size_lesson_day} on a lesson day), new modules while at most "
        f"{council.backlog_limit} refreshers are due"
    )
    from scheduler.calibration import DEFAULT_SCALE

    if council.recall_scale != DEFAULT_SCALE:  # fitted daily from its answers: docs/learning.md
        typer.echo(
            f"Its officers' memories last {council.recall_scale:.2f} times what FSRS predicts, "
            f"so refreshers are scheduled at retention {council.scheduling_retention}"
        )


def _pacing_problems(found: Mapping[str, Problem], given: Mapping[str, object]) -> list[str]:
    """One line per refused setting, named by its command-line option."""
    from bot.council_pacing import Problem
    from scheduler.pacing import NATIONS

    options = {"desired_retention": "retention"}
    problems = []
    for name, problem in found.items():
        option = "--" + options.get(name, name).replace("_", "-")
        if problem is Problem.NATION:
            problems.append(f"{option}: choose one of {', '.join(NATIONS)}")
        elif problem is Problem.HOURS:
            problems.append(f"{option}: {problem.value}")
        else:
            problems.append(f"{option}: {given[name]!r} is {problem.value}")
    return problems


@db_app.command("upgrade")
def db_upgrade(
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: DATABASE_URL).")
    ] = None,
) -> None:
    """Create or migrate the database to the newest schema."""
    from storage.migrate import current_revision

    engine = migrated_engine(db)
    typer.echo(f"Database at revision {current_revision(engine)}.")


def main() -> None:
    """Entry point of the `bites` script."""
    app()
