"""The ISS retires, leaving Tiangong as the only station."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sim.mechanisms.base import ISS, Mechanism
from sim.config.params import param


@dataclass
class IssRetirementConfig:
    year: Optional[int] = param(lo=1957, hi=2200, unit="year", source="source",
                                doc="first year without the ISS (000: retiring after 2030; null: never)")


class IssRetirement(Mechanism):
    """The ISS retires, leaving Tiangong as the only station.

    000: "with the ISS retiring after 2030, unless private U.S. companies like SpaceX
    and Tesla replace it with their own stations, the Tiangong will be the only space
    station orbiting Earth."

    Causal pathway: from ``year`` on (null: never) the ISS is closed for good
    (``model.close``): it has no members, so it adds no shared-programme bonus and no
    camp tie. The default 2031 keeps it flying through 2030.
    """

    name = "iss_retirement"
    Config = IssRetirementConfig

    def __init__(self, cfg: dict):
        self.year = cfg["year"]

    def on_year(self, model, year):
        if self.year is not None and year >= self.year and model.programme_open[ISS]:
            model.close(ISS)
