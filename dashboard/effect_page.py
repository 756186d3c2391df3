"""The Learning effect page (issue 13): refreshed against held-out points at 30 and 90
days, for the viewer's council, its teams of five learners or more and its modules.

Who sees it is the rule of the other report pages (`sees_people`); what they see is scoped
by `bot.access.visible_team_ids`: a council admin, the whole council; a manager, the people
of the teams they manage. The numbers come from `storage.effect_report.SqlEffect`, the
same as `bites effect`. Council admins also see their council's effect beside the
anonymous benchmark of all councils (`storage.capability.effect_benchmark`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.access import can_see_benchmarks, visible_team_ids
from dashboard import effect_view
from dashboard.auth import Viewer
from dashboard.pages import Pages, sees_people
from storage.capability import effect_benchmark
from storage.effect_report import SqlEffect


def effect_routes(router: APIRouter, pages: Pages) -> None:
    """Add the Learning effect page to the dashboard's router."""
    deps, t = pages.deps, pages.deps.texts
    people_viewer = Depends(pages.viewer_for(sees_people))

    @router.get("/dashboard/effect", include_in_schema=False)
    def effect_page(request: Request, viewer: Viewer = people_viewer) -> Response:
        teams = visible_team_ids(viewer.actor)
        found = SqlEffect(deps.engine, deps.curriculum).council(viewer.council_code, teams)
        if found is None:  # the viewer's council was removed since they signed in
            return pages.render(request, "message.html", t.not_found, viewer, 404, kind="")
        top = found.council
        across = (
            effect_view.benchmark_rows(effect_benchmark(deps.engine, viewer.actor.council_id))
            if can_see_benchmarks(viewer.actor)
            else []
        )
        return pages.render(
            request,
            "effect.html",
            t.effect,
            viewer,
            scoped=teams is not None,
            top=effect_view.group_rows(top, t.effect_your_teams if teams is not None else None),
            teams=[effect_view.group_rows(team) for team in found.teams],
            withheld=found.teams_withheld,
            modules=[effect_view.group_rows(module) for module in found.modules],
            summary=effect_view.summary_lines(top),
            chart=effect_view.effect_chart(top, t.effect_chart_title),
            across=across,
        )
