"""When the ISS retires, Tiangong is the only station: its seats are worth more to the
ISS's former partners and to the developing states."""

from __future__ import annotations

from dataclasses import dataclass

from sim.mechanisms.base import ISS, TIANGONG, Mechanism
from sim.config.params import nonneg


@dataclass
class SoleStationConfig:
    demand: float = nonneg(0.3, hi=10.0, unit="wish units", doc=(
        "added wish of former ISS partners and developing states to be in Tiangong once "
        "it is the only station"))
    developing_capability: float = nonneg(0.02, hi=10.0, unit="capability (US 2021 = 1)",
                                          doc="capability below which a state counts as developing")


class SoleStation(Mechanism):
    """When the ISS retires, Tiangong is the only station.

    000: "with the ISS retiring after 2030, unless private U.S. companies like SpaceX and
    Tesla replace it with their own stations, the Tiangong will be the only space station
    orbiting Earth"; 004: "Up until now, however, the US had the only space station
    around ... the US has lost a lot of its leverage and ... left the other participating
    space agencies scrambling"; 004: China is "willing to help developing countries".

    Causal pathway: from the ISS's retirement year (``mechanisms.iss_retirement.year``,
    read from the config so the order of the mechanisms does not matter; null: never) the
    actors that were in the ISS at the start (its partners, who lose their seats) and the
    states below ``developing_capability`` (who never had one) get ``demand`` added to
    their wish to be in Tiangong (``join_bonus``); whoever is eligible for Tiangong
    (:mod:`~sim.mechanisms.open_station`) may then join. An ISS that keeps flying
    (iss_extended) delays this demand. The magnitude is an assumption (range 0.1–1: from a
    small nudge to the size of a programme's cost; no document gives a number).
    """

    name = "sole_station"
    Config = SoleStationConfig

    @classmethod
    def from_config(cls, section: dict, cfg: dict) -> SoleStation:
        return cls(section, cfg["mechanisms"]["iss_retirement"]["year"])

    def __init__(self, cfg: dict, retirement_year):
        self.demand = float(cfg["demand"])
        self.developing = float(cfg["developing_capability"])
        self.year = retirement_year

    def setup(self, model):
        self.partners = model.members[:, ISS].copy()  # the ISS's partners at the start

    def on_year(self, model, year):
        if self.year is None or year < self.year or self.demand == 0:
            return
        wanting = self.partners | (model.actors.capability < self.developing)
        model.join_bonus[:, TIANGONG] += self.demand * wanting
