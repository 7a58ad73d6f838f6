"""Russia leaves the ISS and turns to China."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sim.mechanisms.base import ILRS, ISS, Mechanism
from sim.config.params import nonneg, param


@dataclass
class RussiaIssExitConfig:
    year: Optional[int] = param(lo=1957, hi=2200, unit="year", source="source",
                                doc="year Russia leaves the ISS (002: 2025; null: never)")
    ilrs_affinity: float = nonneg(hi=10.0, doc="Russia's added wish to be in the ILRS once out")


class RussiaIssExit(Mechanism):
    """Russia leaves the ISS and turns to China.

    002: "With Russia's decision to leave the ISS consortium in 2025, we may, however,
    also see cosmonauts shaking hands with taikonauts at the Chinese station"; 003:
    "Russia turned to the U.S. in 1993 ... And now I think they are turning to China to
    do much the same."

    Causal pathway: from ``year`` Russia is out of the ISS for good (members removed,
    banned) and gains ``ilrs_affinity`` in its wish to join the ILRS (``join_bonus``).
    """

    name = "russia_iss_exit"
    Config = RussiaIssExitConfig
    LEAVER = "Russia"

    def __init__(self, cfg: dict):
        self.year = cfg["year"]
        self.affinity = float(cfg["ilrs_affinity"])

    def setup(self, model):
        self.russia_all = model.named(self.LEAVER)

    def on_year(self, model, year):
        if self.year is not None and year >= self.year:
            russia = self.russia_all
            model.members[:, ISS, russia] = False       # the exit itself: out for good
            model.eligibility.ban(self.name, ISS, russia, True)
            model.join_bonus[:, ILRS, russia] += self.affinity
