"""The one composition root: builds every part from settings and connects them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from app.settings import Settings
from bot.ports import Clock, Sender
from bot.service import BotService
from lessons.loader import default_pack_paths, load_curriculum
from lessons.model import Curriculum
from scheduler.clock import SystemClock
from scheduler.ticker import Job
from storage.db import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore

DEMO_CODE = "demo"
DEMO_NAME = "Demo Council"
INBOUND_IDS_KEPT = dt.timedelta(days=7)


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

    def jobs(self) -> list[Job]:
        """The periodic jobs this process ticks."""
        return [Job("housekeeping", 3600, self.housekeeping)]

    def housekeeping(self) -> int:
        """Forget inbound message ids older than a week (platforms retry within minutes)."""
        return self.store.prune_processed_inbound(self.clock.now() - INBOUND_IDS_KEPT)


def build_services(
    settings: Settings, clock: Clock | None = None, curriculum: Curriculum | None = None
) -> Services:
    """Connect the database (migrating it), load the curriculum and build the bot."""
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    store = SqlStore(engine)
    if settings.demo_council:
        store.ensure_org(DEMO_CODE, DEMO_NAME, DEMO_CODE, clock.now())
    if curriculum is None:
        curriculum = load_curriculum([*default_pack_paths(), *settings.content_packs])
    bot = BotService(curriculum, store, clock)
    senders: dict[str, Sender] = {}
    return Services(settings, engine, store, curriculum, clock, bot, senders)
