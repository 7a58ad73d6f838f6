"""The Wolf Amendment: no bilateral US–China cooperation; China barred from the ISS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


from sim.mechanisms.base import ISS, Mechanism
from sim.config.params import nonneg, param

YEARS = dict(lo=1957, hi=2200, unit="year")


@dataclass
class WolfAmendmentConfig:
    enacted: int = param(**YEARS, source="source", doc="year the ban takes force (003: 2011)")
    repeal_year: Optional[int] = param(None, **YEARS, doc="first year without the ban (null: never)")
    project_bonus: float = nonneg(0.05, hi=100.0, doc=(
        "value of the bilateral projects the repeal opens, per unit of the partner's capability"))


class WolfAmendment(Mechanism):
    """No bilateral US–China cooperation; multilateral allowed; China barred from the ISS.

    003: "the Wolf Amendment prohibits NASA from using federal funds to engage in direct,
    bilateral cooperation with the Chinese government"; 003: "it only restricts
    bilateral, not multilateral, cooperation"; 000: "the U.S. in 2011 passed a law
    barring China from joining the ISS".

    Causal pathway: in force from ``enacted`` until ``repeal_year`` (null: never
    repealed), the US's move toward China is forced to *compete* (``blocked``) and China
    is banned from the ISS; once repealed, China is granted ISS eligibility (the
    engine's eligibility rule: a ban wins over any grant) and bilateral US–China projects
    become possible: both directions of the pair gain ``project_bonus`` (``mods.pair_bonus``,
    added, like a shared programme's bonus; assumption: a bilateral project is worth what
    one shared programme is, the same convention as ``payoffs.programme_bonus``). Whether
    the US then cooperates is decided by its stage game toward China, i.e. by what 003
    says moves it: China's transparency ("penchant for secrecy") and dual use, the
    threat perception and the rules of the road (Logsdon: "China may—or we may—decide [to
    say] no"). Shared programme membership (multilateral) is not affected.
    """

    name = "wolf_amendment"
    Config = WolfAmendmentConfig
    #: the actors the law names (names in the config's ``actors``)
    BANNED, PARTNER = "US", "China"

    def __init__(self, cfg: dict):
        self.enacted = int(cfg["enacted"])
        self.repeal = cfg["repeal_year"]
        self.project_bonus = float(cfg.get("project_bonus", 0.05))
        self._projects = False

    def in_force(self, year: int) -> bool:
        return self.enacted <= year and (self.repeal is None or year < self.repeal)

    def setup(self, model):
        us, china = model.index[self.BANNED], model.index[self.PARTNER]
        self.pair = model.relations.both_ways(us, china)
        self.edges = self.pair[:1]                  # us -> china
        self.china = [china]
        self.on_year(model, model.start_year)   # the documented start already has the ban

    def on_year(self, model, year):
        force = self.in_force(year)
        model.blocked[:, self.edges] = force
        model.eligibility.ban(self.name, ISS, self.china, force)
        model.eligibility.grant(self.name, ISS, self.china, not force)
        open_ = not force
        if open_ != self._projects:             # projects open (or close): add (or remove)
            model.mods.pair_bonus[:, self.pair] += self.project_bonus * (1 if open_ else -1)
            self._projects = open_
