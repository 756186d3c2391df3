"""Read-only views of a learner's stored records that the self-assessment (/assess) and
personal-data (/mydata) flows decide from, and the effects those flows ask for.

The service loads a view only for the commands and buttons whose routes declare it (see
`bot.routes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lessons.maturity import MaturityModel


@dataclass(frozen=True)
class AssessmentFacts:
    """The maturity model, the NAO areas the learner's council assesses, and the learner's
    latest answer per area as (level, target), levels 1 (Minimum) to 5 (Innovator)."""

    model: MaturityModel
    areas: tuple[int, ...]
    answers: Mapping[int, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonalData:
    """What is stored about one learner, counted for plain words, with the full copy as
    JSON text for download."""

    council: str | None
    platforms: tuple[str, ...]
    has_roster_details: bool  # a name or email from the council's roster import
    modules: int
    answers: int
    cards: int
    reviews: int
    deliveries: int
    assessments: int
    roles: int
    document: str  # the full export, compact JSON


@dataclass(frozen=True)
class RecordAssessment:
    """Effect: store one self-assessment answer for the learner's council."""

    council_id: int
    area: int
    level: int
    target: int


@dataclass(frozen=True)
class EraseLearner:
    """Effect: erase everything stored about the learner (asked for in /mydata)."""
