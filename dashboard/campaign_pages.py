"""The campaigns pages: list, create (then preview who receives what), cancel.

Campaigns are stored, previewed and cancelled by `storage.campaigns.SqlCampaigns`, which
checks the council admin's rights again and writes the audit rows. A new campaign's first
round is planned only with the planner's run for that day, so the preview shown straight
after creating it comes before anything is sent, and Cancel withdraws it cleanly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from bot.access import AccessDeniedError
from dashboard.auth import Viewer
from dashboard.campaign_words import (
    audience_in_words,
    module_titles,
    question_texts,
    schedule_in_words,
)
from dashboard.forms import ROLES, CampaignChoices, campaign_errors
from dashboard.pages import Pages, Posted, manages_council
from storage.campaigns import CampaignSpec
from storage.council_tables import Team


def _choices(pages: Pages, viewer: Viewer) -> CampaignChoices:
    """The council's modules and teams, for the new campaign form and its checks."""
    deps = pages.deps
    with Session(deps.engine) as session:
        teams = session.exec(
            select(Team.name)
            .where(Team.council_id == viewer.actor.council_id)
            .order_by(col(Team.name))
        ).all()
    curriculum = deps.curriculum.for_council(viewer.council_code)
    return CampaignChoices(curriculum, tuple(teams), pages.now().date())


def _show(
    pages: Pages,
    request: Request,
    viewer: Viewer,
    raw: Mapping[str, Any],
    errors: Mapping[str, str],
    error: str = "",
) -> Response:
    """The campaigns page: the list in words, and the form with any problems."""
    offered = _choices(pages, viewer)
    campaigns = pages.deps.campaigns.list_campaigns(viewer.actor)
    return pages.render(
        request,
        "campaigns.html",
        pages.deps.texts.campaigns,
        viewer,
        400 if errors or error else 200,
        campaigns=campaigns,
        words={
            c.id: (
                ", ".join(module_titles(offered.curriculum, c.modules)),
                audience_in_words(c.target_kind, c.target_value),
                schedule_in_words(c.rule),
            )
            for c in campaigns
        },
        modules=offered.curriculum.modules,
        teams=offered.teams,
        roles=ROLES,
        raw=raw,
        errors=errors,
        error=error,
    )


def campaign_routes(router: APIRouter, pages: Pages) -> None:
    """Add the campaigns routes to the dashboard's router."""
    deps, t = pages.deps, pages.deps.texts
    admin = Depends(pages.viewer_for(manages_council))
    campaign_form = Depends(pages.form_for(manages_council, max_files=0, max_fields=200))
    admin_form = Depends(pages.form_for(manages_council, max_files=0, max_fields=4))

    @router.get("/dashboard/campaigns", include_in_schema=False)
    def campaigns_page(request: Request, viewer: Viewer = admin) -> Response:
        return _show(pages, request, viewer, {"schedule": "once", "target_kind": "council"}, {})

    @router.post("/dashboard/campaigns", include_in_schema=False)
    async def create(request: Request, posted: Posted = campaign_form) -> Response:
        viewer, form = posted.viewer, posted.form
        raw = _raw(form)
        if errors := campaign_errors(raw, _choices(pages, viewer), t):
            return _show(pages, request, viewer, raw, errors)
        try:
            created = deps.campaigns.create(viewer.actor, _spec(raw), pages.now())
        except ValueError as error:  # the store's own checks, should the form's miss one
            return _show(pages, request, viewer, raw, {}, str(error))
        return RedirectResponse(f"/dashboard/campaigns/{created.id}?created=1", status_code=303)

    @router.get("/dashboard/campaigns/{campaign_id}", include_in_schema=False)
    def preview(
        request: Request, campaign_id: int, created: int = 0, viewer: Viewer = admin
    ) -> Response:
        try:
            found = deps.campaigns.preview(viewer.actor, campaign_id, pages.now().date())
        except AccessDeniedError:  # another council's campaign, or none: the same answer
            return pages.render(request, "message.html", t.not_found, viewer, 404, kind="")
        campaign, curriculum = found.campaign, deps.curriculum.for_council(viewer.council_code)
        return pages.render(
            request,
            "campaign.html",
            campaign.name,
            viewer,
            preview=found,
            created=bool(created),
            schedule=schedule_in_words(campaign.rule),
            audience=audience_in_words(campaign.target_kind, campaign.target_value),
            modules=module_titles(curriculum, campaign.modules),
            questions={
                r.learner_id: question_texts(curriculum, r.questions) for r in found.recipients
            },
        )

    @router.post("/dashboard/campaigns/{campaign_id}/cancel", include_in_schema=False)
    async def cancel(request: Request, campaign_id: int, posted: Posted = admin_form) -> Response:
        try:
            deps.campaigns.cancel(posted.viewer.actor, campaign_id, pages.now())
        except AccessDeniedError:
            return pages.render(request, "message.html", t.not_found, posted.viewer, 404, kind="")
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
