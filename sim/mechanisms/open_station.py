"""China opens Tiangong to all UN members and courts developing states."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.mechanisms.base import TIANGONG, Mechanism
from sim.config.params import nonneg, param


@dataclass
class OpenStationConfig:
    operational_year: int = param(lo=1957, hi=2200, unit="year", source="source",
                                  doc="year Tiangong opens (004: as soon as 2022)")
    open_to_un_members: bool = True
    courting: float = nonneg(hi=10.0, doc="developing states' added wish to join Tiangong")
    developing_capability: float = nonneg(hi=10.0, unit="capability (US 2021 = 1)",
                                          doc="capability below which a state counts as developing")
    also_eligible: list[str] = field(default_factory=list)   # non-UN partners by agreement


class OpenStation(Mechanism):
    """China opens Tiangong to all UN members and courts developing states.

    004: "China has officially invited all countries in the world to join in on the
    China Space Station (CSS)"; "All countries, regardless of their size and level of
    development, can participate in the cooperation on an equal footing"; "they are
    willing to help developing countries who are interested in pursuing their own space
    programs". 002: "the symbolic decision to open up the upcoming space station to all
    interested countries, including spacefaring and developing ones".

    Causal pathway: from ``operational_year`` every UN member (and the actors in
    ``also_eligible``: ESA, by its astronaut agreement) is granted Tiangong eligibility
    for good; states below ``developing_capability`` get ``courting`` added to their wish
    to join (``join_bonus``).
    """

    name = "open_station"
    Config = OpenStationConfig

    def __init__(self, cfg: dict):
        self.year = int(cfg["operational_year"])
        self.open_to_un = bool(cfg["open_to_un_members"])
        self.courting = float(cfg["courting"])
        self.developing = float(cfg["developing_capability"])
        self.also_names = list(cfg["also_eligible"])
        self.opened = False

    def setup(self, model):
        self.also = model.named(*self.also_names)

    def on_year(self, model, year):
        if year < self.year or not self.open_to_un:
            return
        if not self.opened:     # eligibility, once granted, stays
            model.eligibility.grant(self.name, TIANGONG, model.actors.un_member, True)
            model.eligibility.grant(self.name, TIANGONG, self.also, True)
            self.opened = True
        model.join_bonus[:, TIANGONG] += self.courting * (model.actors.capability < self.developing)
