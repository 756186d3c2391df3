"""A person takes a lesson in the web chat: real server, headless Debian chromium, Playwright."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.host import create_app
from app.simulated import tick
from app.wiring import Services
from lessons.model import Curriculum
from scheduler.clock import ManualClock
from tests.support.chat import make_services

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CB_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture
def services(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Services:
    return make_services(sqlite_url, clock, demo_curriculum)


@pytest.fixture
def base_url(services: Services) -> Iterator[str]:
    _require_chromium()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_a_person_takes_a_lesson_and_sees_progress(
    base_url: str, demo_curriculum: Curriculum
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(base_url + "/chat")
        expect(page).to_have_title("Contract Bites: web chat")
        last_bot = page.locator(".bubble.bot").last

        def click(label: str) -> None:
            page.get_by_role("button", name=label, exact=True).last.click()

        click("Start")
        expect(page.get_by_role("button", name="Try the demo council")).to_be_visible()
        click("Try the demo council")
        expect(last_bot).to_contain_text("When would you like your daily bite?")
        click("12:30")
        expect(last_bot).to_contain_text("All set: your daily bite comes at 12:30")
        click("Start my first bite")
        expect(last_bot).to_contain_text("Card 1 of 3: Signing is the start")
        # The new button has the keyboard focus, so Enter continues.
        expect(page.get_by_role("button", name="Continue").last).to_be_focused()
        page.keyboard.press("Enter")
        expect(last_bot).to_contain_text("Card 2 of 3")
        click("Continue")
        expect(last_bot).to_contain_text("Card 3 of 3")
        click("Continue")
        module = demo_curriculum.modules[0]
        for number, question in enumerate(module.questions, 1):
            expect(last_bot).to_contain_text(f"Question {number} of 4")
            click(question.correct_option.text)
            expect(
                page.get_by_role("button", name=question.correct_option.text).last
            ).to_be_disabled()
            if number < len(module.questions):
                expect(last_bot).to_contain_text("Correct.")
                click("Next question")
        expect(page.locator(".log")).to_contain_text(
            "Quiz complete: you scored 4 out of 4. That is 1 of 3 modules done."
        )
        click("My progress")
        expect(last_bot).to_contain_text("Your progress: 1 of 3 modules done.")
        expect(last_bot).to_contain_text("What contract management is: quiz 4 out of 4")
        # Typing works as well as buttons.
        page.get_by_label("Your message").fill("/help")
        page.keyboard.press("Enter")
        expect(last_bot).to_contain_text("What I can do")
        if shot := os.environ.get("CB_SCREENSHOT"):  # for a person to look at the page
            page.screenshot(path=shot, full_page=True)
        browser.close()


def test_the_lesson_of_the_day_appears_in_the_open_chat(
    base_url: str, services: Services, clock: ManualClock
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(base_url + "/chat")
        last_bot = page.locator(".bubble.bot").last
        page.get_by_role("button", name="Start", exact=True).click()
        page.get_by_role("button", name="Try the demo council").click()
        page.get_by_role("button", name="12:30").click()
        expect(last_bot).to_contain_text("All set")
        clock.advance(dt.timedelta(days=1, hours=4))  # Tuesday 13:00
        ticking = threading.Thread(target=tick, args=(services,))  # Playwright owns this loop
        ticking.start()
        ticking.join()
        page.reload()  # a page opened later fetches what waited for it
        nudge = "Your daily bite is ready: What contract management is"
        expect(last_bot).to_contain_text(nudge)
        page.get_by_role("button", name="Start", exact=True).last.click()
        expect(last_bot).to_contain_text("Card 1 of 3")
        page.reload()  # shown once: not repeated on the next visit
        expect(page.locator(".bubble.bot").first).to_be_visible()
        expect(page.locator(".log")).not_to_contain_text(nudge)
        browser.close()
