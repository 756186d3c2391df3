"""The walk-through in docs/tour.md, screen by screen, in headless Debian chromium: an
officer's first week in the web chat and a manager's and an admin's first visit to the
dashboard. Every step is asserted; with CB_TOUR_DIR set (`make tour`) each screen is also
saved as the PNG the walk-through shows."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.simulated import tick
from lessons.model import Curriculum
from tests.test_dashboard import World
from tests.test_dashboard_browser import base_url, browser, sign_in, world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["base_url", "browser", "world"]  # the fixtures this file borrows
pytestmark = pytest.mark.browser
VIEWPORT = {"width": 900, "height": 700}


def shot(page: Page, name: str, full_page: bool = False) -> None:
    """Save the screen for docs/tour.md when asked to (CB_TOUR_DIR)."""
    if folder := os.environ.get("CB_TOUR_DIR"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def test_an_officers_first_week(
    browser: Browser, world: World, base_url: str, demo_curriculum: Curriculum
) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(base_url + "/chat")
    last_bot = page.locator(".bubble.bot").last

    def click(label: str) -> None:
        page.get_by_role("button", name=label, exact=True).last.click()

    expect(last_bot).to_contain_text("Hello. Press Start to begin")
    shot(page, "officer-1-welcome")
    click("Start")
    expect(last_bot).to_contain_text("Which council are you with?")
    shot(page, "officer-2-choose-council")
    click("Try the demo council")
    click("12:30")
    expect(last_bot).to_contain_text("All set: your daily bite comes at 12:30")
    shot(page, "officer-3-all-set")
    click("Start my first bite")
    expect(last_bot).to_contain_text("Card 1 of 3")
    shot(page, "officer-4-first-card")
    for _ in range(3):
        click("Continue")
    module = demo_curriculum.modules[0]
    expect(last_bot).to_contain_text("Question 1 of 4")
    shot(page, "officer-5-question")
    wrong = next(o for o in module.questions[0].options if not o.correct)
    click(wrong.text)
    expect(last_bot).to_contain_text("Not quite. The answer is:")
    shot(page, "officer-6-feedback")
    for question in module.questions[1:]:
        click("Next question")
        click(question.correct_option.text)
    expect(page.locator(".log")).to_contain_text("Quiz complete: you scored 3 out of 4.")
    shot(page, "officer-7-quiz-complete")
    # The next working day, at the officer's time, the next bite is waiting.
    world.clock.advance(dt.timedelta(days=1, hours=4))
    ticking = threading.Thread(target=tick, args=(world.services,))
    ticking.start()
    ticking.join()
    page.reload()
    expect(last_bot).to_contain_text("Your daily bite is ready: KPIs and contract performance")
    shot(page, "officer-8-next-day")
    page.get_by_label("Your message").fill("/pause next Monday")
    page.keyboard.press("Enter")
    expect(last_bot).to_contain_text("Enjoy your leave.")
    page.get_by_label("Your message").fill("/settings")
    page.keyboard.press("Enter")
    expect(last_bot).to_contain_text("Leave: until 9 March 2026")
    shot(page, "officer-9-settings-on-leave")
    page.context.close()


def test_a_managers_first_visit(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=VIEWPORT).new_page()
    found = world.users["max"].say("/dashboard")[0]
    page.goto(base_url + "/dashboard/signin?token=" + found.rsplit("token=", 1)[1])
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shot(page, "manager-1-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    shot(page, "manager-2-overview", full_page=True)
    page.get_by_role("navigation").get_by_role("link", name="Team heat map").click()
    expect(page.get_by_role("table", name="Mastery by person and module")).to_be_visible()
    shot(page, "manager-3-heat-map", full_page=True)
    world.clock.advance(dt.timedelta(days=14))
    sign_in(page, world, base_url, "max")  # a fortnight on: the first session has ended
    page.goto(base_url + "/dashboard/overdue")
    expect(page.get_by_role("table")).to_contain_text("Behind")
    shot(page, "manager-4-learners-behind", full_page=True)
    page.context.close()


def test_an_admins_first_campaign(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=VIEWPORT).new_page()
    sign_in(page, world, base_url, "ada")
    page.get_by_role("navigation").get_by_role("link", name="Campaigns").click()
    page.get_by_role("button", name="Create and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for the campaign")
    shot(page, "admin-1-campaign-form-errors", full_page=True)
    page.get_by_label("Name").fill("Spring refresher")
    page.get_by_role("checkbox", name="What contract management is").check()
    page.get_by_role("radio", name="One team").check()
    page.get_by_label("Team", exact=True).select_option("Contracts")
    page.get_by_label("Date", exact=True).fill("2026-03-09")
    page.get_by_role("button", name="Create and preview").click()
    expect(page.get_by_text("Once, on Monday 9 March 2026")).to_be_visible()
    shot(page, "admin-2-campaign-preview", full_page=True)
    page.context.close()
