"""The one composition root: builds every part from settings and connects them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from adapters.webchat.convert import PLATFORM as WEB_PLATFORM
from adapters.webchat.sender import WebChatSender
from app.cli_export import xapi_options
from app.settings import Settings
from bot.batch_compose import BatchComposer
from bot.ports import Clock, Sender
from bot.service import BotService
from bot.texts import ENGLISH, Texts
from dashboard.content import ContentPacks, enabled_pack_paths
from dashboard.pages import DashboardDeps
from lessons.loader import default_pack_paths, load_curriculum
from lessons.maturity import builtin_maturity
from lessons.model import Curriculum
from runtime.clock import SystemClock
from runtime.dispatcher import Dispatcher
from runtime.metrics import build_registry
from runtime.shared_pacer import pacer_for
from runtime.ticker import Job
from scheduler.planner import plan_today
from storage.address_events import prune_address_events
from storage.campaigns import SqlCampaigns
from storage.compose_reads import SqlComposeReads
from storage.db import make_engine
from storage.deliveries import SqlDeliveries
from storage.effect_probes import due_checkups
from storage.home_facts import SqlHomeFacts
from storage.migrate import upgrade
from storage.outbox import SqlOutbox
from storage.recall_fit import fit_councils
from storage.store import SqlStore
from storage.workspaces import SqlWorkspaces

if TYPE_CHECKING:
    from adapters.slack.factory import SlackData
    from adapters.teams.config import TeamsConfig
    from adapters.telegram.adapter import TelegramConfig

DEMO_CODE = "demo"
DEMO_NAME = "Demo Council"
INBOUND_IDS_KEPT = dt.timedelta(days=7)
OUTBOX_KEPT = dt.timedelta(days=30)
ADDRESSES_KEPT = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Services:
    """Everything the host and the CLI run on."""

    settings: Settings
    engine: Engine
    store: SqlStore
    curriculum: Curriculum
    clock: Clock
    bot: BotService
    # Proactive senders by platform; each configured channel adds its own.
    senders: dict[str, Sender]
    deliveries: SqlDeliveries
    dispatcher: Dispatcher
    metrics: CollectorRegistry
    outbox: SqlOutbox

    def jobs(self) -> list[Job]:
        """The periodic jobs this process ticks."""
        return [
            Job("housekeeping", 3600, self.housekeeping),
            Job("plan", self.settings.plan_seconds, self.plan),
            Job("dispatch", self.settings.dispatch_seconds, self.dispatch),
        ]

    def plan(self) -> int:
        """Fit each council's forgetting curve once a day (storage/recall_fit.py), then
        plan today's proactive messages for time zones whose day has begun."""
        fit_councils(self.engine, self.clock.now())
        return plan_today(self.deliveries, self.clock.now())

    async def dispatch(self) -> None:
        """Send what is due, batch after batch, until nothing due is left."""
        await self.dispatcher.drain()

    def housekeeping(self) -> int:
        """Forget inbound message ids older than a week (platforms retry within minutes),
        web chat messages no page fetched within a month, and the abuse limits' client
        addresses after an hour."""
        now = self.clock.now()
        pruned = self.store.prune_processed_inbound(now - INBOUND_IDS_KEPT)
        # The abuse limits' client addresses: an hour is the longest window they need.
        addresses = prune_address_events(self.engine, (now - ADDRESSES_KEPT).timestamp())
        return pruned + addresses + self.outbox.prune(now - OUTBOX_KEPT)


def build_services(
    settings: Settings,
    clock: Clock | None = None,
    curriculum: Curriculum | None = None,
    fuzz: bool = True,
) -> Services:
    """Connect the database (migrating it), load the curriculum and build the bot.
    `fuzz=False` turns off FSRS interval fuzz, for exact intervals in tests."""
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    store = SqlStore(engine)
    if settings.demo_council:
        store.ensure_council(DEMO_CODE, DEMO_NAME, DEMO_CODE, clock.now())
    curriculum = curriculum or configured_curriculum(settings)
    bot = BotService(
        curriculum,
        store,
        clock,
        texts=bot_texts(settings),
        fuzz=fuzz,
        maturity=builtin_maturity(curriculum),  # the self-assessment's levels (/assess)
    )
    outbox = SqlOutbox(engine)
    senders = _senders(settings, store, clock, outbox)
    # Campaign questions and learning-effect check-ups join the daily refresher rounds
    # when the planner plans a day.
    deliveries = SqlDeliveries(engine, SqlCampaigns(engine, curriculum).waiting, due_checkups)
    registry, metrics = build_registry(
        deliveries.counts, lambda: deliveries.queue_depth(clock.now())
    )
    compose_batch = BatchComposer(
        SqlComposeReads(engine), lambda: bot.curriculum, bot_texts(settings), clock
    )
    dispatcher = Dispatcher(
        deliveries,
        bot.compose,
        senders,
        clock,
        metrics,
        pacer=pacer_for(engine),
        compose_batch=compose_batch,
    )
    return Services(
        settings,
        engine,
        store,
        curriculum,
        clock,
        bot,
        senders,
        deliveries,
        dispatcher,
        registry,
        outbox,
    )


def configured_curriculum(settings: Settings) -> Curriculum:
    """The built-in packs, the packs the settings name and those enabled on the dashboard."""
    return load_curriculum(
        [
            *default_pack_paths(),
            *settings.content_packs,
            *enabled_pack_paths(settings.dashboard_packs_dir),
        ]
    )


def _senders(
    settings: Settings, store: SqlStore, clock: Clock, outbox: SqlOutbox
) -> dict[str, Sender]:
    """The proactive sender of each configured channel, by platform."""
    senders: dict[str, Sender] = {}
    if teams_configured(settings):
        # Imported here: the Teams SDK is heavy and only needed when the channel is on.
        from adapters.teams.sender import TeamsSender

        senders["teams"] = TeamsSender(teams_config(settings))
    telegram = telegram_config(settings)
    if telegram is not None:
        from adapters.telegram.sender import TelegramSender, build_bot

        telegram_bot = build_bot(telegram.token, telegram.api_url, telegram.transport)
        senders["telegram"] = TelegramSender(telegram_bot)
    if settings.slack_signing_secret is not None:
        # Imported here: the Slack SDKs load only when the channel is configured.
        from adapters.slack.factory import build_slack_sender

        slack = build_slack_sender(settings, SqlWorkspaces(store.engine), clock)
        if slack is not None:
            senders["slack"] = slack
    if settings.webchat:
        senders[WEB_PLATFORM] = WebChatSender(outbox, clock)
    return senders


def slack_data(services: Services) -> SlackData:
    """The storage behind the Slack channel's ports: councils linked to workspaces, App
    Home facts, installed workspaces and OAuth states."""
    from adapters.slack.factory import SlackData

    workspaces = SqlWorkspaces(services.engine)
    return SlackData(services.store, SqlHomeFacts(services.engine), workspaces, workspaces)


def bot_texts(settings: Settings) -> Texts:
    """The bot's wording, with links (the dashboard's sign-in link) pointing at this
    service's public address, or at the local port when none is set."""
    base = settings.public_url or f"http://127.0.0.1:{settings.port}"
    return replace(ENGLISH, dashboard_base_url=base.rstrip("/"))


def dashboard_deps(services: Services) -> DashboardDeps:
    """What the web dashboard runs on."""
    settings = services.settings
    packs = ContentPacks(
        settings.dashboard_packs_dir, [*default_pack_paths(), *settings.content_packs]
    )
    return DashboardDeps(
        services.engine,
        services.store,
        services.curriculum,
        services.clock,
        packs,
        xapi_options(settings),  # the same actor and activity ids as `bites export xapi`
        SqlCampaigns(services.engine, services.curriculum),
    )


def teams_configured(settings: Settings) -> bool:
    """The Teams channel is on when a bot app id is set (or the development bypass is)."""
    return bool(settings.teams_app_id) or settings.teams_dev_bypass


def teams_config(settings: Settings) -> TeamsConfig:
    """The Teams bot registration from settings."""
    from adapters.teams.config import TeamsConfig

    password = settings.teams_app_password
    return TeamsConfig(
        app_id=settings.teams_app_id,
        app_password=password.get_secret_value() if password else None,
        tenant_id=settings.teams_tenant_id,
        cloud=settings.teams_cloud,
        dev_bypass=settings.teams_dev_bypass,
    )


def telegram_config(settings: Settings) -> TelegramConfig | None:
    """The Telegram channel's settings, or None when no bot token is set."""
    from adapters.telegram.adapter import TelegramConfig

    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return None
    secret = settings.telegram_secret_token
    return TelegramConfig(
        token=settings.telegram_token.get_secret_value(),
        secret_token=secret.get_secret_value() if secret else "",
        api_url=settings.telegram_api_url.rstrip("/"),
        polling=settings.telegram_polling,
        concurrency=settings.telegram_concurrency,
        transport=settings.telegram_transport,
        bot_threads=settings.telegram_bot_threads
        or (1 if settings.database_url.startswith("sqlite") else 8),
    )
