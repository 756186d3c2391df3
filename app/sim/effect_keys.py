"""The learning-effect keys of a simulation's summary: the simulated check-ups, measured
by the dashboard's own code (`bot.effect.report`)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.effect import report
from storage.effect_probes import probes_of
from storage.tables import Council


def effect_keys(engine: Engine) -> dict[str, object]:
    """`effect_refreshed_90d`, `effect_holdout_90d`, `effect_gain_points`, `effect_gain_ci`,
    `effect_checkups_90d` and `effect_pretest_gain_points`, over every council."""
    with Session(engine) as session:
        probes = [
            probe
            for council in session.exec(select(Council)).all()
            if council.id is not None
            for probe, _team in probes_of(session, council.id)
        ]
    measured = report("simulation", probes)
    ninety = measured.at[-1]

    def share(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    low, high = ninety.low, ninety.high
    return {
        "effect_refreshed_90d": share(ninety.refreshed.value),
        "effect_holdout_90d": share(ninety.holdout.value),
        "effect_gain_points": None if ninety.difference is None else round(ninety.difference, 1),
        "effect_gain_ci": None if low is None or high is None else [round(low, 1), round(high, 1)],
        "effect_checkups_90d": ninety.checkups,
        "effect_pretest_gain_points": (
            None if measured.gain_points is None else round(measured.gain_points, 1)
        ),
    }
