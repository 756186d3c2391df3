"""Quiz answers per second through the Telegram webhook, beside a bare PTB bot.

Both run in this process on the same kind of fake Bot API (a separate process, so its CPU
is not counted), with the same number of webhook requests in flight:

- contract-bites: the real host (`create_app`) with the Telegram channel, the real bot on a
  SQLite (or `--db`) database. Each answer is recorded, the learner's state moves on, the
  question message is edited to its locked version, the feedback is sent and the press is
  answered (answerCallbackQuery, editMessageText, sendMessage).
- bare-ptb: a PTB Application with one handler making the same three Bot API calls with
  constant text and no logic, behind a webhook route that only checks the secret.

Run: `.venv/bin/python -m bench.telegram_throughput` (options: --learners, --in-flight,
--latency-ms, --db). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlmodel import Session, func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, TypeHandler

from app.host import create_app
from app.settings import Settings
from app.wiring import build_services
from lessons.loader import builtin_pack_path, load_curriculum
from storage.tables import AnswerRow
from tests.support.fake_telegram import TOKEN, press_update, serve_forever, text_update

SECRET = "bench-secret"  # noqa: S105 (the fake's)
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
QUESTIONS = ("t1-q1", "t1-q2", "t1-q3", "t1-q4")  # the demo pack's first quiz
Post = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Result:
    """One measured run."""

    name: str
    latency_ms: float
    answers: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds


def button_message(chat_id: int, data: str, text: str = "Question") -> dict[str, Any]:
    """The message a button was on, as Telegram includes it in a callback query."""
    return {
        "message_id": 1,
        "date": 1772442000,
        "chat": {"id": chat_id, "type": "private"},
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": "Option", "callback_data": data}]]},
    }


def press(chat_id: int, data: str) -> dict[str, Any]:
    return press_update(button_message(chat_id, data), data)


async def drive(post: Post, updates: list[dict[str, Any]], in_flight: int) -> list[float]:
    """Post the updates with at most `in_flight` requests open; return each one's seconds."""
    slots = asyncio.Semaphore(in_flight)
    timings: list[float] = []

    async def one(update: dict[str, Any]) -> None:
        async with slots:
            started = time.perf_counter()
            await post(update)
            timings.append(time.perf_counter() - started)

    await asyncio.gather(*(one(u) for u in updates))
    return timings


async def each_learner_in_order(
    post: Post, learners: list[int], steps: Callable[[int], list[dict[str, Any]]], in_flight: int
) -> None:
    """Untimed set-up: each learner's steps in order, learners side by side."""
    slots = asyncio.Semaphore(in_flight)

    async def run(chat_id: int) -> None:
        for update in steps(chat_id):
            async with slots:
                await post(update)

    await asyncio.gather(*(run(c) for c in learners))


def onboarding(chat_id: int) -> list[dict[str, Any]]:
    """From /start to the first question of the first module."""
    return [
        text_update(chat_id, "/start"),
        press(chat_id, "join:demo"),
        press(chat_id, "time:1230"),
        *(press(chat_id, "next") for _ in range(4)),  # first bite, then three cards
    ]


def poster(client: httpx.AsyncClient) -> Post:
    async def post(update: dict[str, Any]) -> None:
        response = await client.post("/telegram/webhook", json=update, headers=HEADERS)
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}")

    return post


async def measure(
    name: str, post: Post, learners: list[int], in_flight: int, latency_ms: float, ours: bool
) -> Result:
    """Answer every question of the quiz, learners side by side; time only the answers."""
    if ours:
        await each_learner_in_order(post, learners, onboarding, in_flight)
    timings: list[float] = []
    seconds = 0.0
    for question in QUESTIONS:
        updates = [press(c, f"ans:{question}:a") for c in learners]
        started = time.perf_counter()
        timings += await drive(post, updates, in_flight)
        seconds += time.perf_counter() - started
        if ours:  # "Next question" (untimed) shows the next one
            await drive(post, [press(c, "next") for c in learners], in_flight)
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[max(0, round(len(ms) * 0.95) - 1)]
    return Result(name, latency_ms, len(timings), seconds, statistics.median(ms), p95)


async def run_ours(
    api_url: str,
    db_url: str,
    learners: list[int],
    in_flight: int,
    latency_ms: float,
    transport: str,
) -> Result:
    settings = Settings(
        database_url=db_url,
        scheduler=False,
        webchat=False,
        demo_council=True,
        telegram_token=TOKEN,
        telegram_secret_token=SECRET,
        telegram_api_url=api_url,
        telegram_concurrency=in_flight,
        telegram_transport=transport,
    )
    curriculum = load_curriculum([builtin_pack_path("demo")])
    services = build_services(settings, curriculum=curriculum)
    app = create_app(services)
    asgi = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=asgi, base_url="http://bench", timeout=60) as client,
    ):
        name = f"contract-bites ({transport})"
        result = await measure(name, poster(client), learners, in_flight, latency_ms, ours=True)
    with Session(services.engine) as session:
        recorded = session.exec(select(func.count()).select_from(AnswerRow)).one()
    if recorded != result.answers:
        raise RuntimeError(f"{recorded} answers recorded, {result.answers} sent")
    services.engine.dispose()
    return result


def bare_app(api_url: str) -> FastAPI:
    """A bare PTB bot behind a webhook: the same three calls per press, no logic."""
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{api_url}/bot")
        .updater(None)
        .job_queue(None)
        .build()
    )
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Next question", callback_data="next")]])

    async def on_press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        chat_id = query.message.chat.id
        await query.answer()
        await application.bot.edit_message_text(
            "<b>Question</b>\n\nYour answer: Option",
            chat_id=chat_id,
            message_id=query.message.message_id,
            parse_mode=ParseMode.HTML,
        )
        await application.bot.send_message(
            chat_id, "Correct. Because.", parse_mode=ParseMode.HTML, reply_markup=markup
        )

    application.add_handler(TypeHandler(Update, on_press))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with application:
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return Response(status_code=401)
        update = Update.de_json(json.loads(await request.body()), application.bot)
        await application.process_update(update)
        return Response(status_code=200)

    return app


async def run_bare(api_url: str, learners: list[int], in_flight: int, latency_ms: float) -> Result:
    app = bare_app(api_url)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client,
    ):
        return await measure("bare-ptb", poster(client), learners, in_flight, latency_ms, False)


def start_fake(latency_ms: float) -> tuple[Any, str]:
    """The fake Bot API in its own process; returns it and its URL."""
    # spawn, not fork: a forked child would inherit this process's running event loop.
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_forever, args=(latency_ms, child), daemon=True)
    process.start()
    url = str(parent.recv())
    return process, url


async def bench(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    for latency_ms in args.latency_ms:
        process, url = start_fake(latency_ms)
        try:
            learners = list(range(10_000, 10_000 + args.learners))
            for transport in args.transports:
                with tempfile.TemporaryDirectory() as folder:
                    db_url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
                    results.append(
                        await run_ours(url, db_url, learners, args.in_flight, latency_ms, transport)
                    )
            results.append(await run_bare(url, learners, args.in_flight, latency_ms))
        finally:
            process.terminate()
            process.join()
    return results


def table(results: list[Result]) -> str:
    lines = [
        "| API latency | bot | answers | answers/s | p50 ms | p95 ms | vs bare PTB |",
        "|---|---|---|---|---|---|---|",
    ]
    bare = {r.latency_ms: r.per_second for r in results if r.name == "bare-ptb"}
    for r in results:
        ratio = f"{r.per_second / bare[r.latency_ms]:.0%}" if r.latency_ms in bare else ""
        lines.append(
            f"| {r.latency_ms:g} ms | {r.name} | {r.answers} | {r.per_second:.0f} | "
            f"{r.p50_ms:.1f} | {r.p95_ms:.1f} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=40, help="open webhook requests")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite)")
    parser.add_argument("--transports", nargs="+", default=["aiohttp", "httpx"])
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    results = asyncio.run(bench(args))
    print(f"{started:%Y-%m-%d %H:%M} UTC, {args.learners} learners, {args.in_flight} in flight")
    print(table(results))


if __name__ == "__main__":
    main()
