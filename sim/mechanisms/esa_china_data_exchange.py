"""ESA and China exchange Earth-observation data for science."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


from sim.mechanisms.base import Mechanism
from sim.config.params import param, prob


@dataclass
class DataExchangeConfig:
    since: Optional[int] = param(lo=1957, hi=2200, unit="year", source="source",
                                 doc="first year of the exchange (000: 2004; null: never)")
    security_discount: float = prob(doc="share of the ESA–China security cost the exchange removes")


class EsaChinaDataExchange(Mechanism):
    """ESA and China exchange Earth-observation data for science.

    000: "the ESA and China have been exchanging data collected from European and
    Chinese satellites to advance earth science research since 2004"; ESA "does not see
    why 'it should not work' with China as the data exchanged is not for military use but
    for science."

    Causal pathway: since ``since`` (null: never) the security cost of ESA–China
    cooperation is cut by ``security_discount`` (``mods.security_discount`` on both
    directed relations), and the pair starts out cooperating (``model.initial_pairs``).
    """

    name = "esa_china_data_exchange"
    Config = DataExchangeConfig
    PAIR = ("ESA", "China")

    def __init__(self, cfg: dict):
        self.since = cfg["since"]
        self.discount = float(cfg["security_discount"])
        self._active = None

    def active(self, year: int) -> bool:
        return self.since is not None and self.since <= year

    def setup(self, model):
        rel = model.relations
        esa, china = (model.index[a] for a in self.PAIR)
        self.edges = rel.both_ways(esa, china)
        if self.active(model.start_year):
            model.initial_pairs.append((esa, china))

    def on_year(self, model, year):
        active = self.active(year)
        if active != self._active:                      # write only when it changes
            model.mods.security_discount[:, self.edges] = (1.0 - self.discount) if active else 1.0
            self._active = active
