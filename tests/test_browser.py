"""A person takes a lesson in the web chat: real server, headless Debian chromium, Playwright."""

from __future__ import annotations

import datetime as dt
import os
import re
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
from runtime.clock import ManualClock
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
        page.reload()  # the conversation is kept, the nudge in it once, its button spent
        expect(last_bot).to_contain_text("Card 1 of 3")
        expect(page.locator(".bubble.bot", has_text=nudge)).to_have_count(1)
        expect(
            page.locator(".bubble.bot", has_text=nudge).get_by_role("button", name="Start")
        ).to_be_disabled()
        browser.close()


def test_the_web_chat_keeps_the_conversation_across_a_reload(
    base_url: str, demo_curriculum: Curriculum, services: Services, clock: ManualClock
) -> None:
    """Issue 14, item 6: history from the server, live buttons only on the last message,
    no "Press Start" in mid-course, clickable links that open safely, the message box in
    view."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 800, "height": 600})
        page.goto(base_url + "/chat")
        log = page.locator(".log")
        last_bot = page.locator(".bubble.bot").last
        expect(last_bot).to_contain_text("Hello. Press Start to begin")

        def click(label: str) -> None:
            page.get_by_role("button", name=label, exact=True).last.click()

        click("Start")
        click("Try the demo council")
        click("12:30")
        click("Start my first bite")
        click("Continue")
        expect(last_bot).to_contain_text("Card 2 of 3")
        page.reload()
        expect(last_bot).to_contain_text("Card 2 of 3")
        expect(log).to_contain_text("You have joined Demo Council.")
        expect(page.locator(".bubble.me")).to_have_text(
            [
                "You said:Start",
                "You said:Try the demo council",
                "You said:12:30",
                "You said:Start my first bite",
                "You said:Continue",
            ]
        )
        expect(log).not_to_contain_text("Press Start to begin")
        expect(page.get_by_role("button", name="12:30")).to_be_disabled()
        click("Continue")  # the last message's button still works
        expect(last_bot).to_contain_text("Card 3 of 3")
        click("Continue")
        module = demo_curriculum.modules[0]
        for number, question in enumerate(module.questions, 1):
            click(question.correct_option.text)
            if number < len(module.questions):
                click("Next question")
        # Sources read like a reading list: titled links in a list (item 7).
        source = page.locator(".bubble.bot li a", has_text="Contract management framework").last
        expect(source).to_have_attribute("href", re.compile(r"^https://www\.gov\.uk/"))
        expect(source).to_have_attribute("target", "_blank")
        expect(source).to_have_attribute("rel", "noopener noreferrer")
        expect(page.get_by_label("Your message")).to_be_in_viewport()
        # A known learner whose history has gone (kept 30 days) is welcomed back, never
        # told to press Start.
        services.outbox.prune(clock.now() + dt.timedelta(days=1))
        page.reload()
        expect(last_bot).to_contain_text("Welcome back. Press Continue to carry on")
        expect(log).not_to_contain_text("Press Start to begin")
        click("Continue")
        expect(page.locator(".bubble.bot").nth(-2)).to_contain_text("Module 2 of 3")
        browser.close()
