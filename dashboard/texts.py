"""The dashboard's wording that Python decides (page titles, navigation, messages, form
errors); the rest of each page's wording is in its template. In one place, ready for Welsh."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DashboardTexts:
    """English wording of the dashboard."""

    home: str = "Overview"
    heatmap: str = "Team heat map"
    progress: str = "Completion and retention"
    overdue: str = "Learners behind"
    effect: str = "Learning effect"
    effect_your_teams: str = "Your teams"
    effect_chart_title: str = "Remembered at check-up: refreshed and held-out points"
    campaigns: str = "Campaigns"
    content: str = "Content"
    settings: str = "Council settings"
    exports: str = "Exports"
    sign_in: str = "Sign in"
    signed_out: str = "Signed out"
    not_allowed: str = "Not available to you"
    not_found: str = "Page not found"
    form_expired: str = "This form has expired"
    bands: dict[str, str] = field(
        default_factory=lambda: {
            "strong": "Strong",
            "fair": "Fair",
            "weak": "Weak",
            "started": "In progress",
            "not_started": "Not started",
        }
    )
    bad_timezone: str = "Enter a time zone such as Europe/London"
    bad_nation: str = "Choose a nation"
    bad_time: str = "Enter a time like 08:30"
    bad_hours: str = "The working day must end after it starts"
    bad_retention: str = "Enter a desired retention from 0.70 to 0.97"
    bad_lesson_cap: str = "Enter a whole number from 0 to 3"
    bad_round_size: str = "Enter a whole number from 0 to 30"
    bad_backlog_limit: str = "Enter a whole number from 0 to 500"
    bad_since: str = "Enter a date as YYYY-MM-DD, for example 2026-04-01, or leave it empty"
    # The new campaign form (issue 14): one message per field, in plain words.
    campaign_no_name: str = "Enter a name for the campaign"
    campaign_long_name: str = "The name must be 120 characters or fewer"
    campaign_no_modules: str = "Choose at least one module"
    campaign_no_refreshers: str = (
        "Choose at least one module with refresher questions: the ones chosen have none"
    )
    campaign_no_target: str = "Choose who receives it"
    campaign_no_team: str = "Choose a team"
    campaign_no_teams: str = "This council has no teams yet: choose another group, or add a team"
    campaign_no_role: str = "Choose a role"
    campaign_no_schedule: str = "Choose when to send it"
    campaign_no_date: str = "Enter the date to send it, for example 2026-04-06"
    campaign_bad_date: str = "Enter a real date as YYYY-MM-DD, for example 2026-04-06"
    campaign_past_date: str = "The date must be today or later"
    completion_title: str = "Modules completed per week"
    completion_summary: str = (
        "{total} modules completed in the last {weeks} weeks; the most in one week was {most}."
    )
    retention_title: str = "Refreshers recalled per week"
    retention_summary: str = (
        "{answered} refresher answers in the last {weeks} weeks, {recalled} of them correct."
    )
    retention_none: str = "No refresher answers in the last {weeks} weeks."


ENGLISH = DashboardTexts()
