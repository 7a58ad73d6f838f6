"""Russia's discomfort as the weaker partner of China."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.mechanisms.base import ILRS, Mechanism
from sim.config.params import nonneg


@dataclass
class JuniorPartnerConfig:
    discomfort: float = nonneg(hi=10.0, doc="Russia's unease per unit of capability gap to China")


class JuniorPartner(Mechanism):
    """Russia's discomfort as the weaker partner of China.

    003: "Russia seems to be the weaker of the partners in any Russia-China space
    relationship ... And Russia doesn't handle being the weaker partner well".

    Causal pathway: each year Russia's relative-gains weight toward China rises by
    ``discomfort * max(0, c_China / c_Russia - 1)`` (``mods.rho_extra``) and, by the same
    amount, its wish to stay in the China-led ILRS falls (``join_bonus``).

    What it does not do (checked against 003, issue 11): it does not pull Russia toward the
    US. Cheng's sentence goes on "whether it is with the West after the collapse of the
    former Soviet Union or, in all likelihood, with China": Russia dislikes being the weaker
    partner of the West too, so the discomfort gives no reason to turn to the US; the only
    document line for a Russia-US return is Smith's "Perhaps Russia will choose to work with
    China, as well as with the U.S.-led multinational effort" — a possibility, which the
    russia_junior_partner scenario expresses through Russia's alignment, not a mechanism.
    The past (West) half is not modelled here: Russia's partnership with the West is the
    ISS, which it leaves in 2025 (:mod:`~sim.mechanisms.russia_iss_exit`).
    """

    name = "junior_partner"
    Config = JuniorPartnerConfig
    JUNIOR, SENIOR = "Russia", "China"

    def __init__(self, cfg: dict):
        self.discomfort = float(cfg["discomfort"])

    def setup(self, model):
        self.russia, self.china = model.index[self.JUNIOR], model.index[self.SENIOR]
        k = model.relations.directed(self.russia, self.china)
        self.edges = np.array([] if k is None else [k], dtype=np.int64)

    def on_year(self, model, year):
        c = model.actors.capability
        gap = np.maximum(0.0, c[:, self.china] / np.maximum(c[:, self.russia], 1e-9) - 1.0)
        unease = self.discomfort * gap                      # each world's
        model.mods.rho_extra[:, self.edges] = unease[:, None]
        model.join_bonus[:, ILRS, self.russia] -= unease
