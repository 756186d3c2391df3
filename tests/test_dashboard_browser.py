"""The dashboard in headless Debian chromium (Playwright): sign-in by link, the heat map,
an export download, keyboard-only use, and axe-core finding no WCAG 2.2 AA violations on
any dashboard page or on the web chat."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from app.host import create_app
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import make_services
from tests.test_dashboard import LINK, World, build_world, pack_zip

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "fixtures" / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CB_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture
def world(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, tmp_path: Path
) -> World:
    services = make_services(sqlite_url, clock, demo_curriculum)
    settings = services.settings.model_copy(update={"dashboard_packs_dir": tmp_path / "packs"})
    return build_world(dataclasses.replace(services, settings=settings), clock)


@pytest.fixture
def base_url(world: World) -> Iterator[str]:
    _require_chromium()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(world.services), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)  # waiting for the server thread to listen, not synchronising a test
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")  # one chromium for the file: each test has its own context
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def new_page(browser: Browser) -> Page:
    # axe is injected as an inline script, which the pages' CSP (rightly) refuses.
    return browser.new_context(bypass_csp=True, accept_downloads=True).new_page()


def sign_in(page: Page, world: World, base_url: str, name: str) -> None:
    """Ask for a link in chat and follow it, as the person would."""
    found = LINK.search(world.users[name].say("/dashboard")[0])
    assert found is not None
    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/dashboard")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page with the WCAG 2.0-2.2 A and AA rules."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))
            }));
        }""",
        AXE_TAGS,
    )
    return found


def test_sign_in_by_link_heat_map_and_export(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    page = new_page(browser)
    sign_in(page, world, base_url, "ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(page.get_by_text("Signed in as Ada Example, Demo Council")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Team heat map").click()
    table = page.get_by_role("table", name="Mastery by person and module")
    expect(table).to_be_visible()
    cat = table.get_by_role("row", name="Cat Example")
    expect(cat.get_by_role("cell").first).to_have_text("Fair Quiz 75%")
    page.get_by_role("navigation").get_by_role("link", name="Exports").click()
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download progress (CSV)").click()
    download = waiting.value
    assert download.suggested_filename == "demo-progress-2026-03-02.csv"
    lines = Path(download.path()).read_text("utf-8").splitlines()
    assert len(lines) == 4 and lines[0].startswith("learner,name,team,module")
    page.context.close()


def create_campaign(page: Page) -> None:
    """Fill in the new campaign form with the keyboard-reachable controls and submit it."""
    page.get_by_label("Name").fill("Spring refresher")
    page.get_by_role("checkbox", name="What contract management is").check()
    page.get_by_role("radio", name="One team").check()
    page.get_by_label("Team", exact=True).select_option("Contracts")
    page.get_by_role("radio", name="Once, on a date").check()
    page.get_by_label("Date", exact=True).fill("2026-03-09")
    page.get_by_role("button", name="Create and preview").click()


def test_campaign_creation(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    page = new_page(browser)
    sign_in(page, world, base_url, "ada")
    page.get_by_role("navigation").get_by_role("link", name="Campaigns").click()
    # The team and role questions show only once that audience is chosen; the date only
    # for a campaign sent once.
    team, role, date = (page.get_by_label(n, exact=True) for n in ("Team", "Role", "Date"))
    expect(team).to_be_hidden()
    expect(role).to_be_hidden()
    expect(date).to_be_visible()
    page.get_by_role("radio", name="Everyone with a role").check()
    expect(role).to_be_visible()
    expect(team).to_be_hidden()
    page.get_by_role("radio", name="The first Monday of each quarter").check()
    expect(date).to_be_hidden()
    # Every problem at once, summarised at the top with links to the fields.
    page.get_by_role("button", name="Create and preview").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter a name for the campaign", "Choose at least one module"]
    )
    summary.get_by_role("link", name="Choose at least one module").click()
    expect(page.get_by_role("checkbox", name="What contract management is")).to_be_focused()
    create_campaign(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring refresher")
    expect(page.get_by_role("status")).to_contain_text("Created.")
    # Only Cat has completed the module: a campaign refreshes what was learnt.
    people = page.get_by_role("table", name="1 person in this round")
    expect(people.get_by_role("rowheader")).to_have_text(["Cat Example"])
    expect(page.get_by_text("Once, on Monday 9 March 2026")).to_be_visible()
    page.get_by_role("button", name="Cancel this campaign").click()
    expect(page.get_by_text("the campaign is cancelled")).to_be_visible()
    page.context.close()


def test_a_used_link_says_so(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    found = LINK.search(world.users["max"].say("/dashboard")[0])
    assert found is not None
    page = new_page(browser)
    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    page.get_by_role("button", name="Sign in").click()
    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    expect(page.get_by_role("alert")).to_contain_text("This sign-in link has already been used")
    page.context.close()


def test_keyboard_only(browser: Browser, world: World, base_url: str) -> None:
    from playwright.sync_api import expect

    page = new_page(browser)
    sign_in(page, world, base_url, "max")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # From the top: brand link, Sign out, then the navigation, in reading order.
    page.goto(base_url + "/dashboard")
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert order == [
        "Skip to main content",
        "Contract Bites dashboard",
        "Sign out",
        "Overview",
        "Team heat map",
    ]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Learners behind
    expect(page.get_by_role("heading", level=1)).to_have_text("Learners behind")
    page.context.close()


def test_axe_finds_no_wcag_22_aa_violations(
    browser: Browser, world: World, base_url: str, tmp_path: Path
) -> None:
    page = new_page(browser)
    found = LINK.search(world.users["ada"].say("/dashboard")[0])
    assert found is not None
    checked: dict[str, list[dict[str, Any]]] = {}

    def check(name: str) -> None:
        checked[name] = axe_violations(page)

    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    check("sign-in")
    page.goto(base_url + "/dashboard/signed-out")
    check("signed out")
    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/dashboard")
    pages = ["", "/heatmap", "/progress", "/overdue", "/campaigns", "/settings", "/content"]
    for path in [*pages, "/exports"]:
        page.goto(base_url + "/dashboard" + path)
        check(path or "/")
    page.goto(base_url + "/dashboard/signin?token=" + found.group(2))
    check("used link")
    page.goto(base_url + "/dashboard/settings")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save settings").click()
    check("settings with errors")
    zipped = tmp_path / "pack.zip"
    zipped.write_bytes(pack_zip("demo", break_it=True))
    page.goto(base_url + "/dashboard/content")
    page.get_by_label("Pack as a zip file").set_input_files(str(zipped))
    page.get_by_role("button", name="Upload and check").click()
    check("content with problems")
    page.goto(base_url + "/dashboard/campaigns")
    page.get_by_role("button", name="Create and preview").click()
    check("campaign with an error")
    create_campaign(page)
    check("campaign preview")
    page.goto(base_url + "/chat")
    check("web chat")
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Try the demo council").click()
    page.get_by_text("When would you like your daily bite?").wait_for()
    check("web chat after replies")
    assert {name: found for name, found in checked.items() if found} == {}
    assert len(checked) == 17
    page.context.close()


def test_the_learning_effect_page_in_the_browser(
    browser: Browser, world: World, base_url: str
) -> None:
    from playwright.sync_api import expect

    from tests.test_dashboard_effect import seed_probes

    seed_probes(world)
    page = new_page(browser)
    sign_in(page, world, base_url, "ada")
    page.get_by_role("navigation").get_by_role("link", name="Learning effect").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning effect")
    council = page.get_by_role("table", name="Refreshed against held-out points, Demo Council")
    expect(council.get_by_role("rowheader")).to_have_text(["Demo Council 8 learners"])
    expect(page.get_by_role("img", name="Remembered at check-up")).to_be_visible()
    assert axe_violations(page) == []
    page.context.close()
