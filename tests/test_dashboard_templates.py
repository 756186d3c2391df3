"""The dashboard's templates refuse to print a blank where an object lacks a field."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from jinja2 import DictLoader

from dashboard.pages import DashboardTemplates


@dataclass(frozen=True)
class Viewer:
    name: str
    council_name: str


TEMPLATES = DashboardTemplates(
    loader=DictLoader(
        {
            "ok": "Signed in as {{ viewer.name }}, {{ viewer.council_name }}"
            "{% if notice %} ({{ notice }}){% endif %}",
            "renamed": "Signed in as {{ viewer.name }}, {{ viewer.org_name }}",
        }
    )
)


def test_a_field_the_object_has_and_an_optional_name_render() -> None:
    page = TEMPLATES.get_template("ok").render(viewer=Viewer("Max", "Demo Council"))
    assert page == "Signed in as Max, Demo Council"


def test_a_field_the_object_lacks_is_an_error() -> None:
    with pytest.raises(AttributeError, match="Viewer has no field 'org_name'"):
        TEMPLATES.get_template("renamed").render(viewer=Viewer("Max", "Demo Council"))
