"""Benchmark: the CPU one proactive send costs in a service's own sender, alone.

    .venv/bin/python -m bench.sender_cost --platform teams --messages 10000 --in-flight 50

The sender of `--platform` (as `bench.morning` builds it: python-telegram-bot on aiohttp,
the Teams SDK's API client, slack_sdk) posts `--messages` nudges with two buttons, each to a
conversation of its own (ten Teams tenants, fifty Slack workspaces), `--in-flight` at a
time, to `bench.platform_fakes` in a process of its own with limits too high to matter.
After 50 sends to warm up, it prints this process's CPU per send for each block of 5,000
(min / median / max) and the process's peak RSS. Results are in docs/benchmarks.md
("A council's morning").
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time

from bench.morning_senders import real_senders
from bench.platform_fakes import Limits, serve_in_process
from bot.messages import Choice, ConversationRef, Outbound
from bot.ports import Sender

BLOCK = 5000
NUDGE = Outbound(
    "Good morning. Your next bite: **Contract registers** (3 min).",
    (Choice("start", "Start"), Choice("later", "Later")),
)


def conversation(platform: str, index: int, fake_url: str) -> ConversationRef:
    """A conversation of its own for each send, spread as the morning spreads them."""
    if platform == "teams":
        tenant = f"t{index % 10}"
        extra = {"service_url": f"{fake_url}/teams/{tenant}/", "tenant_id": tenant}
        return ConversationRef(platform, f"a:conversation-{index}", f"29:user-{index}", extra)
    if platform == "telegram":
        return ConversationRef(platform, str(1000 + index), str(1000 + index))
    return ConversationRef(
        platform, f"D{index:08d}", f"U{index:08d}", {"team_id": f"T{index % 50}"}
    )


async def send_all(
    sender: Sender, platform: str, fake_url: str, first: int, count: int, in_flight: int
) -> None:
    """Send `count` nudges, `in_flight` at a time; every one must be accepted."""
    gate = asyncio.Semaphore(in_flight)

    async def one(index: int) -> None:
        async with gate:
            result = await sender.send(conversation(platform, index, fake_url), (NUDGE,))
            assert result.status.value == "sent", result

    await asyncio.gather(*(one(i) for i in range(first, first + count)))


async def measure(platform: str, messages: int, in_flight: int) -> list[float]:
    """CPU milliseconds per send, block by block."""
    fake, fake_url = serve_in_process(Limits(telegram=10**6, teams=10**6, slack=10**6))
    try:
        sender = real_senders(fake_url)[platform]
        await send_all(sender, platform, fake_url, 10**7, 50, in_flight)  # warm up
        per_send = []
        for first in range(0, messages, BLOCK):
            count = min(BLOCK, messages - first)
            started = time.process_time()
            await send_all(sender, platform, fake_url, first, count, in_flight)
            per_send.append((time.process_time() - started) / count * 1000)
        return per_send
    finally:
        fake.kill()


def main() -> None:
    """Parse arguments, measure, print one line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--platform", choices=("teams", "telegram", "slack"), default="teams")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=50)
    args = parser.parse_args()
    per_send = asyncio.run(measure(args.platform, args.messages, args.in_flight))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"{args.platform}: {args.messages} sends, {args.in_flight} in flight; CPU ms a send "
        f"min / median / max of {len(per_send)} blocks: {min(per_send):.2f} / "
        f"{statistics.median(per_send):.2f} / {max(per_send):.2f}; peak RSS {peak_mb} MB"
    )


if __name__ == "__main__":
    main()
