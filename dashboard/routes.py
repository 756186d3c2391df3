"""The dashboard's routes: `dashboard_router(deps)` builds them for `app.host` to mount.

Every page finds the viewer from the session cookie (re-reading their grants), checks
what `bot.access` allows, and queries only within the viewer's council. Every POST form
carries the session's CSRF token. Responses carry a strict Content-Security-Policy: no
inline script or style, nothing from other origins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.datastructures import FormData, UploadFile

from bot.access import can_manage_content, can_manage_council, visible_team_ids
from bot.ports import Clock
from dashboard import charts, exports, queries
from dashboard.auth import COOKIE, SESSION_LIFETIME, LinkStatus, Sessions, Viewer, csrf_ok
from dashboard.content import MAX_ZIP_BYTES, Checked, ContentPacks
from dashboard.forms import PACING_FORM_FIELDS, read_pacing
from dashboard.texts import ENGLISH, DashboardTexts
from lessons.model import Curriculum
from storage.exports import XapiOptions
from storage.store import SqlStore

_HERE = Path(__file__).parent
Guard = Callable[[Viewer], bool]


@dataclass(frozen=True)
class DashboardDeps:
    """What the dashboard runs on, from the composition root."""

    engine: Engine
    store: SqlStore
    curriculum: Curriculum
    clock: Clock
    packs: ContentPacks
    xapi: XapiOptions
    texts: DashboardTexts = ENGLISH


@dataclass(frozen=True)
class NavItem:
    """A link in the dashboard's navigation."""

    href: str
    label: str
    current: bool


def sees_people(viewer: Viewer) -> bool:
    """Council admins and managers see learners (each within their scope)."""
    return visible_team_ids(viewer.actor) != frozenset()


def manages_council(viewer: Viewer) -> bool:
    """Council admins change their council's settings and campaigns and export its data."""
    return can_manage_council(viewer.actor, viewer.actor.org_id)


def manages_content(viewer: Viewer) -> bool:
    """Council admins and content authors manage the council's local content."""
    return can_manage_content(viewer.actor, viewer.actor.org_id)


class Pages:
    """Renders the dashboard's pages for a viewer."""

    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self.sessions = Sessions(deps.engine, deps.clock)
        self._templates = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def nav(self, viewer: Viewer, path: str) -> list[NavItem]:
        """The pages this viewer may open."""
        t = self.deps.texts
        pages: list[tuple[str, str, Guard]] = [
            ("/dashboard", t.home, lambda _v: True),
            ("/dashboard/heatmap", t.heatmap, sees_people),
            ("/dashboard/progress", t.progress, sees_people),
            ("/dashboard/overdue", t.overdue, sees_people),
            ("/dashboard/campaigns", t.campaigns, manages_council),
            ("/dashboard/content", t.content, manages_content),
            ("/dashboard/settings", t.settings, manages_council),
            ("/dashboard/exports", t.exports, manages_council),
        ]
        return [NavItem(href, label, href == path) for href, label, ok in pages if ok(viewer)]

    def render(
        self,
        request: Request,
        template: str,
        title: str,
        viewer: Viewer | None = None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """A page in the dashboard's layout, with the security headers."""
        html = self._templates.get_template(template).render(
            title=title,
            viewer=viewer,
            nav=self.nav(viewer, request.url.path) if viewer else [],
            t=self.deps.texts,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=security_headers())

    def viewer(self, request: Request) -> Viewer | None:
        """The signed-in viewer, if the session cookie is valid."""
        return self.sessions.viewer(request.cookies.get(COOKIE))

    def guard(self, request: Request, allowed: Guard) -> Viewer | Response:
        """The viewer if signed in and allowed; otherwise the page that says why not."""
        viewer = self.viewer(request)
        if viewer is None:
            return RedirectResponse("/dashboard/signed-out", status_code=303)
        if not allowed(viewer):
            t = self.deps.texts
            return self.render(request, "message.html", t.not_allowed, viewer, 403, kind="denied")
        return viewer

    async def posted(
        self, request: Request, allowed: Guard, **limits: int
    ) -> tuple[Viewer, FormData] | Response:
        """The viewer and the form of a POST, after the sign-in, role and CSRF checks."""
        found = self.guard(request, allowed)
        if isinstance(found, Response):
            return found
        form = await request.form(**limits)
        token = form.get("csrf")
        if not csrf_ok(found, token if isinstance(token, str) else None):
            t = self.deps.texts
            return self.render(request, "message.html", t.form_expired, found, 403, kind="csrf")
        return found, form

    def now(self) -> dt.datetime:
        """The current instant from the injected clock."""
        return self.deps.clock.now()

    def audit(self, viewer: Viewer, action: str, target: str | None, **detail: object) -> None:
        """Record an admin action made from the dashboard."""
        queries.audit(self.deps.engine, viewer.actor, action, self.now(), target, detail)


def security_headers() -> dict[str, str]:
    """Headers on every dashboard page: a strict CSP, no sniffing, no referrer, no cache."""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def dashboard_router(deps: DashboardDeps) -> APIRouter:
    """All dashboard routes under /dashboard."""
    pages = Pages(deps)
    router = APIRouter()
    _sign_in_routes(router, pages)
    _people_routes(router, pages)
    _settings_routes(router, pages)
    _content_routes(router, pages)
    _export_routes(router, pages)
    static = StaticFiles(directory=_HERE / "static")

    @router.get("/dashboard/static/{path:path}", include_in_schema=False)
    async def static_file(path: str, request: Request) -> Response:
        return await static.get_response(path, request.scope)

    return router


def _sign_in_routes(router: APIRouter, pages: Pages) -> None:
    t = pages.deps.texts

    @router.get("/dashboard/signin", include_in_schema=False)
    def sign_in_page(request: Request, token: str = "") -> Response:
        # A GET never uses the link: chat apps fetch links to preview them, and that
        # must not spend a single-use link. The person presses a button (a POST) instead.
        status = pages.sessions.link_status(token) if token else LinkStatus.UNKNOWN
        code = 200 if status is LinkStatus.VALID else 400
        return pages.render(
            request, "signin.html", t.sign_in, None, code, link=status.value, token=token
        )

    @router.post("/dashboard/signin", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        token = form.get("token")
        result = pages.sessions.sign_in(token if isinstance(token, str) else "")
        if result.session_id is None:
            return pages.render(
                request, "signin.html", t.sign_in, None, 400, link=result.status.value, token=""
            )
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(
            COOKIE,
            result.session_id,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/dashboard",
        )
        viewer = pages.sessions.viewer(result.session_id)
        if viewer is not None:
            pages.audit(viewer, "dashboard.sign_in", None)
        return response

    @router.post("/dashboard/signout", include_in_schema=False)
    async def sign_out(request: Request) -> Response:
        found = await pages.posted(request, lambda _v: True, max_files=0, max_fields=4)
        if isinstance(found, Response):
            return found
        pages.sessions.sign_out(found[0])
        response = RedirectResponse("/dashboard/signed-out", status_code=303)
        response.delete_cookie(COOKIE, path="/dashboard")
        return response

    @router.get("/dashboard/signed-out", include_in_schema=False)
    def signed_out(request: Request) -> Response:
        return pages.render(request, "message.html", t.signed_out, None, kind="signed_out")

    @router.get("/dashboard", include_in_schema=False)
    def home(request: Request) -> Response:
        viewer = pages.guard(request, lambda _v: True)
        if isinstance(viewer, Response):
            return viewer
        return pages.render(
            request, "home.html", t.home, viewer, links=pages.nav(viewer, "/dashboard")[1:]
        )


def _people_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts

    @router.get("/dashboard/heatmap", include_in_schema=False)
    def heatmap(request: Request) -> Response:
        viewer = pages.guard(request, sees_people)
        if isinstance(viewer, Response):
            return viewer
        curriculum = deps.curriculum.for_council(viewer.org_code)
        found = queries.heat_map(deps.engine, viewer.actor, curriculum, pages.now())
        return pages.render(request, "heatmap.html", t.heatmap, viewer, heat=found)

    @router.get("/dashboard/progress", include_in_schema=False)
    def progress(request: Request) -> Response:
        viewer = pages.guard(request, sees_people)
        if isinstance(viewer, Response):
            return viewer
        weeks = queries.weeks(deps.engine, viewer.actor, pages.now().date())
        return pages.render(
            request, "progress.html", t.progress, viewer, weeks=weeks, charts=_charts(weeks, t)
        )

    @router.get("/dashboard/overdue", include_in_schema=False)
    def overdue(request: Request) -> Response:
        viewer = pages.guard(request, sees_people)
        if isinstance(viewer, Response):
            return viewer
        curriculum = deps.curriculum.for_council(viewer.org_code)
        behind = queries.overdue(deps.engine, viewer.actor, curriculum, pages.now())
        return pages.render(
            request,
            "overdue.html",
            t.overdue,
            viewer,
            behind=behind,
            days=queries.BEHIND_AFTER.days,
        )


def _charts(weeks: list[queries.Week], t: DashboardTexts) -> list[charts.Chart]:
    labels = [week.start.strftime("%d %b") for week in weeks]
    completed = [week.completed for week in weeks]
    answered = sum(week.reviews for week in weeks)
    recalled = sum(round(w.reviews * (w.recalled or 0) / 100) for w in weeks)
    retention_summary = (
        t.retention_summary.format(answered=answered, recalled=recalled, weeks=len(weeks))
        if answered
        else t.retention_none.format(weeks=len(weeks))
    )
    return [
        charts.bar_chart(
            t.completion_title,
            t.completion_summary.format(
                total=sum(completed), weeks=len(weeks), most=max(completed, default=0)
            ),
            labels,
            completed,
        ),
        charts.line_chart(
            t.retention_title, retention_summary, labels, [week.recalled for week in weeks]
        ),
    ]


def _settings_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts

    @router.get("/dashboard/settings", include_in_schema=False)
    def settings_page(request: Request, saved: int = 0) -> Response:
        viewer = pages.guard(request, manages_council)
        if isinstance(viewer, Response):
            return viewer
        with deps.store.transaction() as tx:
            org = tx.org(viewer.actor.org_id)
        assert org is not None
        raw = {name: str(getattr(org, name)) for name in PACING_FORM_FIELDS}
        return pages.render(
            request, "settings.html", t.settings, viewer, raw=raw, errors={}, saved=bool(saved)
        )

    @router.post("/dashboard/settings", include_in_schema=False)
    async def save_settings(request: Request) -> Response:
        found = await pages.posted(request, manages_council, max_files=0, max_fields=20)
        if isinstance(found, Response):
            return found
        viewer, form = found
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        checked = read_pacing(fields, t)
        if checked.errors:
            return pages.render(
                request,
                "settings.html",
                t.settings,
                viewer,
                400,
                raw=checked.raw,
                errors=checked.errors,
                saved=False,
            )
        deps.store.set_org_pacing(viewer.org_code, **checked.values)
        pages.audit(
            viewer, "council.settings", f"organisation:{viewer.actor.org_id}", **checked.values
        )
        return RedirectResponse("/dashboard/settings?saved=1", status_code=303)


def _content_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts

    def show(request: Request, viewer: Viewer, checked: Checked | None, **extra: Any) -> Response:
        code = 400 if checked is not None and checked.problems else 200
        return pages.render(
            request,
            "content.html",
            t.content,
            viewer,
            code,
            checked=checked,
            enabled=deps.packs.enabled(viewer.org_code),
            max_mb=MAX_ZIP_BYTES // 2**20,
            **extra,
        )

    @router.get("/dashboard/content", include_in_schema=False)
    def content_page(request: Request, enabled: int = 0) -> Response:
        viewer = pages.guard(request, manages_content)
        if isinstance(viewer, Response):
            return viewer
        return show(request, viewer, None, just_enabled=bool(enabled))

    @router.post("/dashboard/content/upload", include_in_schema=False)
    async def upload(request: Request) -> Response:
        found = await pages.posted(request, manages_content, max_files=1, max_fields=4)
        if isinstance(found, Response):
            return found
        viewer, form = found
        upload = form.get("pack")
        data = await upload.read(MAX_ZIP_BYTES + 1) if isinstance(upload, UploadFile) else b""
        checked = deps.packs.stage_zip(viewer.org_code, data)
        _audit_check(pages, viewer, checked, "upload")
        return show(request, viewer, checked)

    @router.post("/dashboard/content/folder", include_in_schema=False)
    async def folder(request: Request) -> Response:
        found = await pages.posted(request, manages_content, max_files=0, max_fields=4)
        if isinstance(found, Response):
            return found
        viewer, form = found
        checked = deps.packs.stage_folder(viewer.org_code, _text(form, "folder"))
        _audit_check(pages, viewer, checked, "folder")
        return show(request, viewer, checked)

    @router.post("/dashboard/content/enable", include_in_schema=False)
    async def enable(request: Request) -> Response:
        found = await pages.posted(request, manages_content, max_files=0, max_fields=4)
        if isinstance(found, Response):
            return found
        viewer, form = found
        checked = deps.packs.enable(viewer.org_code, _text(form, "staged"))
        if not checked.ok or checked.info is None:
            return show(request, viewer, checked)
        pages.audit(
            viewer, "content.enable", f"pack:{checked.info.pack_id}", version=checked.info.version
        )
        return RedirectResponse("/dashboard/content?enabled=1", status_code=303)


def _audit_check(pages: Pages, viewer: Viewer, checked: Checked, source: str) -> None:
    pack = checked.info.pack_id if checked.info else None
    pages.audit(
        viewer,
        "content.validate",
        f"pack:{pack}" if pack else None,
        source=source,
        problems=len(checked.problems),
    )


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _export_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts

    def show(request: Request, viewer: Viewer, since: str, errors: dict[str, str]) -> Response:
        sizes = exports.sizes(deps.engine, viewer.actor)
        code = 400 if errors else 200
        return pages.render(
            request,
            "exports.html",
            t.exports,
            viewer,
            code,
            sizes=sizes,
            since=since,
            errors=errors,
        )

    @router.get("/dashboard/exports", include_in_schema=False)
    def exports_page(request: Request) -> Response:
        viewer = pages.guard(request, manages_council)
        if isinstance(viewer, Response):
            return viewer
        return show(request, viewer, "", {})

    @router.post("/dashboard/exports/{slug}", include_in_schema=False)
    async def download(request: Request, slug: str) -> Response:
        found = await pages.posted(request, manages_council, max_files=0, max_fields=4)
        if isinstance(found, Response):
            return found
        viewer, form = found
        kind = exports.KINDS.get(slug)
        if kind is None:
            return pages.render(request, "message.html", t.not_found, viewer, 404, kind="")
        raw_since = _text(form, "since")
        since = _date(raw_since)
        if raw_since and since is None:
            return show(request, viewer, raw_since, {"since": t.bad_since})
        curriculum = deps.curriculum.for_council(viewer.org_code)
        lines = exports.lines(kind, deps.engine, viewer.actor, curriculum, deps.xapi, since)
        pages.audit(
            viewer, kind.action, f"organisation:{viewer.actor.org_id}", since=raw_since or None
        )
        name = exports.file_name(viewer.org_code, kind, pages.now().date())
        headers = security_headers() | {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(
            exports.chunked(lines), media_type=kind.media_type, headers=headers
        )


def _date(raw: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), dt.UTC)
