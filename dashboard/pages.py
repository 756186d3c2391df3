"""The dashboard's page machinery: dependencies, the viewer's guards, rendering with the
security headers, CSRF-checked form reading and audit rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape
from sqlalchemy import Engine
from starlette.datastructures import FormData

from adapters.page_headers import strict_page_headers
from bot.access import can_manage_content, can_manage_council, can_see_people
from bot.ports import Clock
from dashboard.auth import COOKIE, Sessions, Viewer, csrf_ok
from dashboard.content import ContentPacks
from dashboard.texts import ENGLISH, DashboardTexts
from lessons.model import Curriculum
from storage.audit import audit
from storage.campaigns import SqlCampaigns
from storage.store import SqlStore
from storage.xapi import XapiOptions

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
    campaigns: SqlCampaigns
    texts: DashboardTexts = ENGLISH


@dataclass(frozen=True)
class Posted:
    """A checked POST: the viewer (signed in, allowed, CSRF token echoed) and the form."""

    viewer: Viewer
    form: FormData


class RefusedError(Exception):
    """Raised by a page dependency with the page that says why not (signed out, not
    allowed, an expired form); `DashboardRoute` answers with that page."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class DashboardRoute(APIRoute):
    """A dashboard route: a refusal raised by its dependencies becomes its response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, answering a `RefusedError` with its page."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RefusedError as refused:
                return refused.response

        return route


@dataclass(frozen=True)
class NavItem:
    """A link in the dashboard's navigation."""

    href: str
    label: str
    current: bool


def anyone(_viewer: Viewer) -> bool:
    """Every signed-in viewer (each holds a role beyond learner, or could not sign in)."""
    return True


def sees_people(viewer: Viewer) -> bool:
    """Council admins and managers see learners (each within their scope)."""
    return can_see_people(viewer.actor)


def manages_council(viewer: Viewer) -> bool:
    """Council admins change their council's settings and campaigns and export its data."""
    return can_manage_council(viewer.actor, viewer.actor.council_id)


def manages_content(viewer: Viewer) -> bool:
    """Council admins and content authors manage the council's local content."""
    return can_manage_content(viewer.actor, viewer.actor.council_id)


class DashboardTemplates(Environment):
    """The dashboard's templates. A field a template reads from an object that lacks it is
    an error, not a blank: a renamed field once left "Signed in as Max Example, " with no
    council and no test failing. A name a page does not pass stays optional."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        if isinstance(value, Undefined) and not isinstance(obj, Undefined | Mapping):
            raise AttributeError(f"{type(obj).__name__} has no field {attribute!r}")
        return value


class Pages:
    """Renders the dashboard's pages for a viewer."""

    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self.sessions = Sessions(deps.engine, deps.clock)
        self._templates = DashboardTemplates(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def nav(self, viewer: Viewer, path: str) -> list[NavItem]:
        """The pages this viewer may open."""
        t = self.deps.texts
        pages: list[tuple[str, str, Guard]] = [
            ("/dashboard", t.home, anyone),
            ("/dashboard/heatmap", t.heatmap, sees_people),
            ("/dashboard/progress", t.progress, sees_people),
            ("/dashboard/overdue", t.overdue, sees_people),
            ("/dashboard/effect", t.effect, sees_people),
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
        form = _without_nul(await request.form(**limits))
        token = form.get("csrf")
        if not csrf_ok(found, token if isinstance(token, str) else None):
            t = self.deps.texts
            return self.render(request, "message.html", t.form_expired, found, 403, kind="csrf")
        return found, form

    def viewer_for(self, allowed: Guard) -> Callable[[Request], Viewer]:
        """A route dependency (`viewer: Viewer = Depends(pages.viewer_for(guard))`): the
        signed-in viewer the guard allows; otherwise the route answers with why not."""

        def dependency(request: Request) -> Viewer:
            found = self.guard(request, allowed)
            if isinstance(found, Response):
                raise RefusedError(found)
            return found

        return dependency

    def form_for(self, allowed: Guard, **limits: int) -> Callable[[Request], Awaitable[Posted]]:
        """A route dependency for a POST form: the viewer and the form after the sign-in,
        role and CSRF checks (`limits` caps the form's files and fields)."""

        async def dependency(request: Request) -> Posted:
            found = await self.posted(request, allowed, **limits)
            if isinstance(found, Response):
                raise RefusedError(found)
            return Posted(*found)

        return dependency

    def now(self) -> dt.datetime:
        """The current instant from the injected clock."""
        return self.deps.clock.now()

    def audit(self, viewer: Viewer, action: str, target: str | None, **detail: object) -> None:
        """Record an admin action made from the dashboard."""
        audit(self.deps.engine, viewer.actor, action, target, self.now(), **detail)


def _without_nul(form: FormData) -> FormData:
    """The form with NUL characters taken out of its text: PostgreSQL refuses them."""
    return FormData(
        [(k, v.replace("\x00", "") if isinstance(v, str) else v) for k, v in form.multi_items()]
    )


def security_headers() -> dict[str, str]:
    """Headers on every dashboard page: the strict page headers, and no caching."""
    return {**strict_page_headers(), "Cache-Control": "no-store"}
