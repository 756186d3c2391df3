"""The campaigns pages: list, create (then preview who receives what), cancel.

Campaigns are stored, previewed and cancelled by `storage.campaigns.SqlCampaigns`, which
checks the council admin's rights again and writes the audit rows. A new campaign's first
round is planned only with the planner's run for that day, so the preview shown straight
after creating it comes before anything is sent, and Cancel withdraws it cleanly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from bot.access import AccessDeniedError, Role
from dashboard.auth import Viewer
from dashboard.pages import Pages, manages_council
from storage.campaigns import CampaignSpec
from storage.tables import Team

SCHEDULES = ("once", "first-monday-of-month", "first-monday-of-quarter")
ROLES = tuple(role.value for role in Role)


def campaign_routes(router: APIRouter, pages: Pages) -> None:
    """Add the campaigns routes to the dashboard's router."""
    deps, t = pages.deps, pages.deps.texts

    def show(request: Request, viewer: Viewer, raw: Mapping[str, Any], error: str) -> Response:
        with Session(deps.engine) as session:
            teams = session.exec(
                select(Team.name).where(Team.org_id == viewer.actor.org_id).order_by(col(Team.name))
            ).all()
        return pages.render(
            request,
            "campaigns.html",
            t.campaigns,
            viewer,
            400 if error else 200,
            campaigns=deps.campaigns.list_campaigns(viewer.actor),
            modules=deps.curriculum.for_council(viewer.org_code).modules,
            teams=teams,
            roles=ROLES,
            raw=raw,
            error=error,
        )

    @router.get("/dashboard/campaigns", include_in_schema=False)
    def campaigns_page(request: Request) -> Response:
        viewer = pages.guard(request, manages_council)
        if isinstance(viewer, Response):
            return viewer
        return show(request, viewer, {"schedule": "once", "target_kind": "council"}, "")

    @router.post("/dashboard/campaigns", include_in_schema=False)
    async def create(request: Request) -> Response:
        found = await pages.posted(request, manages_council, max_files=0, max_fields=200)
        if isinstance(found, Response):
            return found
        viewer, form = found
        raw = _raw(form)
        try:
            created = deps.campaigns.create(viewer.actor, _spec(raw), pages.now())
        except ValueError as error:
            return show(request, viewer, raw, str(error))
        return RedirectResponse(f"/dashboard/campaigns/{created.id}?created=1", status_code=303)

    @router.get("/dashboard/campaigns/{campaign_id}", include_in_schema=False)
    def preview(request: Request, campaign_id: int, created: int = 0) -> Response:
        viewer = pages.guard(request, manages_council)
        if isinstance(viewer, Response):
            return viewer
        try:
            found = deps.campaigns.preview(viewer.actor, campaign_id, pages.now().date())
        except AccessDeniedError:  # another council's campaign, or none: the same answer
            return pages.render(request, "message.html", t.not_found, viewer, 404, kind="")
        return pages.render(
            request,
            "campaign.html",
            found.campaign.name,
            viewer,
            preview=found,
            created=bool(created),
        )

    @router.post("/dashboard/campaigns/{campaign_id}/cancel", include_in_schema=False)
    async def cancel(request: Request, campaign_id: int) -> Response:
        found = await pages.posted(request, manages_council, max_files=0, max_fields=4)
        if isinstance(found, Response):
            return found
        try:
            deps.campaigns.cancel(found[0].actor, campaign_id, pages.now())
        except AccessDeniedError:
            return pages.render(request, "message.html", t.not_found, found[0], 404, kind="")
        return RedirectResponse(f"/dashboard/campaigns/{campaign_id}", status_code=303)


def _raw(form: FormData) -> dict[str, Any]:
    """The form as typed, to show again with an error."""
    raw: dict[str, Any] = {
        name: str(form.get(name, "")).strip()
        for name in ("name", "target_kind", "team", "role", "schedule", "date")
    }
    raw["modules"] = [str(value) for value in form.getlist("modules")]
    return raw


def _spec(raw: Mapping[str, Any]) -> CampaignSpec:
    kind = raw["target_kind"]
    value = {"team": raw["team"], "role": raw["role"]}.get(kind)
    schedule = raw["schedule"]
    rule = f"once:{raw['date']}" if schedule == "once" else schedule
    return CampaignSpec(raw["name"], tuple(raw["modules"]), (), kind, value or None, rule)
