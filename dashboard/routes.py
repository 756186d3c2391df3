"""The dashboard's routes: `dashboard_router(deps)` builds them for `app.host` to mount.

Every page finds the viewer from the session cookie (re-reading their grants), checks
what `bot.access` allows, and queries only within the viewer's council. Every POST form
carries the session's CSRF token. A route declares both as one dependency, a viewer
(`pages.viewer_for(guard)`) or a checked form (`pages.form_for(guard, limits)`); a refusal
is the route's answer (`pages.DashboardRoute`). Responses carry a strict Content-Security-Policy: no
inline script or style, nothing from other origins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile

from bot.council_pacing import PACING_FIELDS
from bot.people import BEHIND_AFTER_DAYS, STUCK_AFTER_DAYS
from dashboard import charts, exports, queries
from dashboard.auth import COOKIE, SESSION_LIFETIME, LinkStatus, Viewer
from dashboard.campaign_pages import campaign_routes
from dashboard.content import MAX_ZIP_BYTES, Checked
from dashboard.effect_page import effect_routes
from dashboard.forms import read_pacing
from dashboard.pages import (
    DashboardDeps,
    DashboardRoute,
    Pages,
    Posted,
    anyone,
    manages_content,
    manages_council,
    security_headers,
    sees_people,
)
from dashboard.texts import DashboardTexts

_HERE = Path(__file__).parent


def dashboard_router(deps: DashboardDeps) -> APIRouter:
    """All dashboard routes under /dashboard."""
    pages = Pages(deps)
    router = APIRouter(route_class=DashboardRoute)
    _sign_in_routes(router, pages)
    _people_routes(router, pages)
    _settings_routes(router, pages)
    _content_routes(router, pages)
    _export_routes(router, pages)
    campaign_routes(router, pages)
    effect_routes(router, pages)
    static = StaticFiles(directory=_HERE / "static")

    @router.get("/dashboard/static/{path:path}", include_in_schema=False)
    async def static_file(path: str, request: Request) -> Response:
        return await static.get_response(path, request.scope)

    return router


def _sign_in_routes(router: APIRouter, pages: Pages) -> None:
    t = pages.deps.texts
    signed_in = Depends(pages.viewer_for(anyone))
    signed_in_form = Depends(pages.form_for(anyone, max_files=0, max_fields=4))

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
    async def sign_out(request: Request, posted: Posted = signed_in_form) -> Response:
        pages.sessions.sign_out(posted.viewer)
        response = RedirectResponse("/dashboard/signed-out", status_code=303)
        response.delete_cookie(COOKIE, path="/dashboard")
        return response

    @router.get("/dashboard/signed-out", include_in_schema=False)
    def signed_out(request: Request) -> Response:
        return pages.render(request, "message.html", t.signed_out, None, kind="signed_out")

    @router.get("/dashboard", include_in_schema=False)
    def home(request: Request, viewer: Viewer = signed_in) -> Response:
        return pages.render(
            request, "home.html", t.home, viewer, links=pages.nav(viewer, "/dashboard")[1:]
        )


def _people_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts
    people_viewer = Depends(pages.viewer_for(sees_people))

    @router.get("/dashboard/heatmap", include_in_schema=False)
    def heatmap(request: Request, viewer: Viewer = people_viewer) -> Response:
        curriculum = deps.curriculum.for_council(viewer.council_code)
        found = queries.heat_map(deps.engine, viewer.actor, curriculum, pages.now())
        return pages.render(request, "heatmap.html", t.heatmap, viewer, heat=found)

    @router.get("/dashboard/progress", include_in_schema=False)
    def progress(request: Request, viewer: Viewer = people_viewer) -> Response:
        weeks = queries.weeks(deps.engine, viewer.actor, pages.now().date())
        return pages.render(
            request, "progress.html", t.progress, viewer, weeks=weeks, charts=_charts(weeks, t)
        )

    @router.get("/dashboard/overdue", include_in_schema=False)
    def overdue(request: Request, viewer: Viewer = people_viewer) -> Response:
        curriculum = deps.curriculum.for_council(viewer.council_code)
        behind = queries.overdue(deps.engine, viewer.actor, curriculum, pages.now())
        return pages.render(
            request,
            "overdue.html",
            t.overdue,
            viewer,
            behind=behind,
            behind_days=BEHIND_AFTER_DAYS,
            stuck_days=STUCK_AFTER_DAYS,
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
    admin = Depends(pages.viewer_for(manages_council))
    settings_form = Depends(pages.form_for(manages_council, max_files=0, max_fields=20))

    @router.get("/dashboard/settings", include_in_schema=False)
    def settings_page(request: Request, saved: int = 0, viewer: Viewer = admin) -> Response:
        with deps.store.transaction() as tx:
            council = tx.council(viewer.actor.council_id)
        assert council is not None
        raw = {name: str(getattr(council, name)) for name in PACING_FIELDS}
        return pages.render(
            request, "settings.html", t.settings, viewer, raw=raw, errors={}, saved=bool(saved)
        )

    @router.post("/dashboard/settings", include_in_schema=False)
    async def save_settings(request: Request, posted: Posted = settings_form) -> Response:
        viewer, form = posted.viewer, posted.form
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
        deps.store.set_council_pacing(viewer.council_code, **checked.values)
        pages.audit(
            viewer, "council.settings", f"council:{viewer.actor.council_id}", **checked.values
        )
        return RedirectResponse("/dashboard/settings?saved=1", status_code=303)


def _content_routes(router: APIRouter, pages: Pages) -> None:
    deps, t = pages.deps, pages.deps.texts
    author = Depends(pages.viewer_for(manages_content))
    upload_form = Depends(pages.form_for(manages_content, max_files=1, max_fields=4))
    author_form = Depends(pages.form_for(manages_content, max_files=0, max_fields=4))
    # Unpacking and validating a pack is file and CPU work: it runs on worker threads, at
    # most two at a time, so the event loop (health checks, chat webhooks) never waits on it.
    validating = anyio.CapacityLimiter(2)

    async def off_loop(work: Callable[[], Checked]) -> Checked:
        return await anyio.to_thread.run_sync(work, limiter=validating)

    def show(request: Request, viewer: Viewer, checked: Checked | None, **extra: Any) -> Response:
        code = 400 if checked is not None and checked.problems else 200
        return pages.render(
            request,
            "content.html",
            t.content,
            viewer,
            code,
            checked=checked,
            enabled=deps.packs.enabled(viewer.council_code),
            max_mb=MAX_ZIP_BYTES // 2**20,
            **extra,
        )

    @router.get("/dashboard/content", include_in_schema=False)
    def content_page(request: Request, enabled: int = 0, viewer: Viewer = author) -> Response:
        return show(request, viewer, None, just_enabled=bool(enabled))

    @router.post("/dashboard/content/upload", include_in_schema=False)
    async def upload(request: Request, posted: Posted = upload_form) -> Response:
        viewer, form = posted.viewer, posted.form
        upload = form.get("pack")
        data = await upload.read(MAX_ZIP_BYTES + 1) if isinstance(upload, UploadFile) else b""
        checked = await off_loop(lambda: deps.packs.stage_zip(viewer.council_code, data))
        _audit_check(pages, viewer, checked, "upload")
        return show(request, viewer, checked)

    @router.post("/dashboard/content/folder", include_in_schema=False)
    async def folder(request: Request, posted: Posted = author_form) -> Response:
        viewer, form = posted.viewer, posted.form
        folder_name = _text(form, "folder")
        checked = await off_loop(lambda: deps.packs.stage_folder(viewer.council_code, folder_name))
        _audit_check(pages, viewer, checked, "folder")
        return show(request, viewer, checked)

    @router.post("/dashboard/content/enable", include_in_schema=False)
    async def enable(request: Request, posted: Posted = author_form) -> Response:
        viewer, form = posted.viewer, posted.form
        staged = _text(form, "staged")
        checked = await off_loop(lambda: deps.packs.enable(viewer.council_code, staged))
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
    admin = Depends(pages.viewer_for(manages_council))
    admin_form = Depends(pages.form_for(manages_council, max_files=0, max_fields=4))

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
    def exports_page(request: Request, viewer: Viewer = admin) -> Response:
        return show(request, viewer, "", {})

    @router.post("/dashboard/exports/{slug}", include_in_schema=False)
    async def download(request: Request, slug: str, posted: Posted = admin_form) -> Response:
        viewer, form = posted.viewer, posted.form
        kind = exports.KINDS.get(slug)
        if kind is None:
            return pages.render(request, "message.html", t.not_found, viewer, 404, kind="")
        raw_since = _text(form, "since")
        since = _date(raw_since)
        if raw_since and since is None:
            return show(request, viewer, raw_since, {"since": t.bad_since})
        curriculum = deps.curriculum.for_council(viewer.council_code)
        lines = exports.lines(
            kind, deps.engine, viewer.actor, curriculum, deps.xapi, since, pages.now()
        )
        pages.audit(
            viewer, kind.action, f"council:{viewer.actor.council_id}", since=raw_since or None
        )
        name = exports.file_name(viewer.council_code, kind, pages.now().date())
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
