"""The configuration schema (structured configs) that every YAML file is checked against.

The tree mirrors the model's concepts: ``world`` (time and the generated rest of the
world), ``actors`` (named actors and their attributes), ``payoffs`` (the stage game),
``dynamics`` (growth), ``mechanisms`` (the documents' mechanisms), ``programmes``,
``milestones`` (scheduled events), ``strategies`` (decision rules), ``outcome``
(the classification rule), ``sweep`` and ``output``. Values and sources live in the
YAML files under ``configs/`` and in ``docs/PARAMETERS.md``; this file only says what
type each key has. Ranges and cross-references are checked in :mod:`sim.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class ActorConfig:
    capability: float = MISSING          # index, US 2021 = 1.0
    budget: float = MISSING              # civil space budget, billion USD per year
    alignment: float = MISSING           # -1 China-led camp ... +1 US-led camp
    transparency: float = MISSING        # 0 opaque ... 1 transparent
    dual_use: float = MISSING            # military integration of the space programme, 0..1
    prestige_domestic: float = MISSING   # weight on prestige at home, 0..1
    prestige_international: float = MISSING  # weight on prestige abroad, 0..1
    relative_gains: float = MISSING      # sensitivity to a rival's gains, 0..1
    failure_tolerance: float = MISSING   # 0 no tolerance ... 1 full tolerance
    reaction: float = 0.0                # Richardson reaction coefficient (1/yr)
    fatigue: float = 0.5                 # Richardson fatigue coefficient (1/yr)
    future_weight: float = 0.2           # weight on the shadow of the future (as generated states)
    major: bool = False                  # a major power: relates to every actor
    un_member: bool = True               # eligible for the UN-wide Tiangong offer
    strategy: Optional[str] = None       # overrides strategies.default


@dataclass
class DistConfig:
    """A distribution for generated actors: ``beta`` (a, b) scaled to [low, high],
    ``lognormal`` (a=mu, b=sigma) clipped to [low, high], or ``uniform`` on [low, high]."""

    kind: str = "beta"
    a: float = 2.0
    b: float = 2.0
    low: float = 0.0
    high: float = 1.0


@dataclass
class RestOfWorldConfig:
    count: int = MISSING
    ties_per_state: int = MISSING        # random ties to other non-major states
    china_agreement_partners: int = MISSING
    capability: DistConfig = field(default_factory=DistConfig)
    budget: DistConfig = field(default_factory=DistConfig)
    alignment: DistConfig = field(default_factory=DistConfig)
    transparency: DistConfig = field(default_factory=DistConfig)
    dual_use: DistConfig = field(default_factory=DistConfig)
    prestige_domestic: DistConfig = field(default_factory=DistConfig)
    prestige_international: DistConfig = field(default_factory=DistConfig)
    relative_gains: DistConfig = field(default_factory=DistConfig)
    failure_tolerance: DistConfig = field(default_factory=DistConfig)
    reaction: float = 0.0
    fatigue: float = 0.5
    future_weight: float = 0.0


@dataclass
class WorldConfig:
    start_year: int = MISSING
    horizon: int = MISSING
    threat_perception: float = MISSING   # multiplier on perceived rivalry (capped at 1)
    rules_of_the_road: float = MISSING   # 0 none ... 1 agreed norms (cuts security/exploitation costs)
    rest_of_world: RestOfWorldConfig = field(default_factory=RestOfWorldConfig)


@dataclass
class PayoffConfig:
    coop_gain: float = MISSING
    duplication_saving: float = MISSING
    security_cost: float = MISSING
    exploitation_cost: float = MISSING
    free_ride: float = MISSING
    spur: float = MISSING
    prestige_gain: float = MISSING
    racing_cost: float = MISSING
    partner_prestige: float = MISSING
    programme_bonus: float = MISSING
    third_party_cost: float = MISSING


@dataclass
class DynamicsConfig:
    base_growth: float = MISSING
    science_learning: float = MISSING
    race_spur: float = MISSING
    budget_growth: float = MISSING
    prestige_decay: float = MISSING
    alignment_drift: float = MISSING
    initial_racing_share: float = MISSING
    racing_cap: float = MISSING
    initial_trust_cooperating: float = MISSING
    initial_trust_other: float = MISSING


@dataclass
class SecuritySpiralConfig:
    rival_threshold: float = MISSING     # rivalry at or above which a pair feeds the spiral
    grievance: float = MISSING           # Richardson constant term: x budget x share of rivals competed


@dataclass
class WolfAmendmentConfig:
    enacted: int = MISSING
    repeal_year: Optional[int] = None


@dataclass
class RussiaIssExitConfig:
    year: Optional[int] = MISSING
    ilrs_affinity: float = MISSING


@dataclass
class JuniorPartnerConfig:
    discomfort: float = MISSING


@dataclass
class IssRetirementConfig:
    year: Optional[int] = MISSING


@dataclass
class OpenStationConfig:
    operational_year: int = MISSING
    open_to_un_members: bool = MISSING
    courting: float = MISSING
    developing_capability: float = MISSING
    also_eligible: list[str] = field(default_factory=list)   # non-UN partners by agreement


@dataclass
class DataExchangeConfig:
    since: Optional[int] = MISSING
    security_discount: float = MISSING


@dataclass
class BridgesConfig:
    actors: list[str] = field(default_factory=list)
    strength: float = MISSING


@dataclass
class LongGameConfig:
    actors: list[str] = field(default_factory=list)
    pace_discount: float = MISSING


@dataclass
class MechanismsConfig:
    security_spiral: SecuritySpiralConfig = field(default_factory=SecuritySpiralConfig)
    wolf_amendment: WolfAmendmentConfig = field(default_factory=WolfAmendmentConfig)
    russia_iss_exit: RussiaIssExitConfig = field(default_factory=RussiaIssExitConfig)
    junior_partner: JuniorPartnerConfig = field(default_factory=JuniorPartnerConfig)
    iss_retirement: IssRetirementConfig = field(default_factory=IssRetirementConfig)
    open_station: OpenStationConfig = field(default_factory=OpenStationConfig)
    esa_china_data_exchange: DataExchangeConfig = field(default_factory=DataExchangeConfig)
    bridges: BridgesConfig = field(default_factory=BridgesConfig)
    long_game: LongGameConfig = field(default_factory=LongGameConfig)


@dataclass
class ProgrammeConfig:
    leader: str = MISSING
    side: float = MISSING                # +1 US-led, -1 China-led
    cost: float = MISSING
    open: bool = True                    # anyone may join (False: only initial members)
    initial_members: list[str] = field(default_factory=list)


@dataclass
class ProgrammesConfig:
    w_alignment: float = MISSING
    w_leader: float = MISSING
    w_science: float = MISSING
    w_prestige: float = MISSING
    inertia: float = MISSING
    hedging_penalty: float = MISSING
    revision_rate: float = MISSING       # share of (programme, actor) entries reconsidered each year
    allow_hedging: bool = True
    artemis: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    ilrs: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    iss: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    tiangong: ProgrammeConfig = field(default_factory=ProgrammeConfig)


@dataclass
class MilestoneConfig:
    year: Optional[int] = MISSING        # null: cancelled
    actors: list[str] = field(default_factory=list)
    programme: Optional[str] = None
    success_probability: float = MISSING
    prestige: float = MISSING
    capability_boost: float = MISSING
    attractiveness: float = MISSING
    partnership_bonus: float = 0.0


@dataclass
class StrategiesConfig:
    default: str = MISSING
    by_actor: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, float]] = field(default_factory=dict)
    noise: float = MISSING


@dataclass
class OutcomeConfig:
    window: int = MISSING
    tie_threshold: float = MISSING
    west: list[str] = field(default_factory=list)
    east: list[str] = field(default_factory=list)
    collaboration_cross_share: float = MISSING
    race_density: float = MISSING
    min_camp_size: int = MISSING
    min_camp_cohesion: float = MISSING
    hedge_ratio: float = MISSING
    programme_tie: float = MISSING


@dataclass
class SweepConfig:
    name: str = MISSING
    seeds: int = MISSING
    first_seed: int = MISSING
    grid: dict[str, list[Any]] = field(default_factory=dict)
    chunk_size: int = MISSING
    lockstep: int = 16                   # seeds run side by side in one model
    workers: int = MISSING
    executor: str = MISSING              # local | ray | serial
    ray_address: Optional[str] = None
    progress: bool = True


@dataclass
class OutputConfig:
    root: str = MISSING
    actor_table: bool = True
    plot: bool = True


@dataclass
class Config:
    seed: int = MISSING
    scenario_name: str = MISSING
    world: WorldConfig = field(default_factory=WorldConfig)
    actors: dict[str, ActorConfig] = field(default_factory=dict)
    payoffs: PayoffConfig = field(default_factory=PayoffConfig)
    dynamics: DynamicsConfig = field(default_factory=DynamicsConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    programmes: ProgrammesConfig = field(default_factory=ProgrammesConfig)
    milestones: dict[str, MilestoneConfig] = field(default_factory=dict)
    strategies: StrategiesConfig = field(default_factory=StrategiesConfig)
    outcome: OutcomeConfig = field(default_factory=OutcomeConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


PROGRAMMES = ("artemis", "ilrs", "iss", "tiangong")
#: The major powers: every world has them, and their final state is in every summary row.
MAJORS = ("US", "China", "Russia", "ESA")


def register() -> None:
    """Register the schema (``- base_config`` in ``configs/config.yaml``) and resolvers."""
    ConfigStore.instance().store(name="base_config", node=Config)
    from sim.plan import register_resolvers     # folder names live with the sweep plan
    register_resolvers()
