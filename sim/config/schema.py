"""The configuration schema (structured configs) that every YAML file is checked against.

The tree mirrors the model's concepts: ``world`` (time and the generated rest of the
world), ``actors`` (named actors and their attributes), ``payoffs`` (the stage game),
``dynamics`` (growth), ``mechanisms`` (the documents' mechanisms), ``programmes``,
``milestones`` (scheduled events), ``strategies`` (decision rules), ``outcome``
(the classification rule), ``sweep`` and ``output``. Values and sources live in the
YAML files under ``configs/``; each numeric key's range, unit, description and source
status are declared here once (:func:`sim.config.params.param`; a mechanism's in its own file),
and :mod:`sim.config.validation` and docs/PARAMETERS.md derive from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from sim.mechanisms import REGISTRY, MilestoneConfig
from sim.config.params import nonneg, param, prob


#: the physical range of a capability or budget is [0, inf); the declared bound above it
#: only keeps the yearly arithmetic finite
_OPEN = "must be in [0, inf]"


def _trait(doc):
    """An actor attribute between 0 and 1 (the documents give its direction)."""
    return param(lo=0.0, hi=1.0, doc=doc, source="direction")


@dataclass
class ActorConfig:
    capability: float = param(lo=0.0, hi=1e4, message=_OPEN, unit="index (US 2021 = 1)",
                              doc="space capability", source="direction")
    budget: float = param(lo=0.0, hi=1e4, message=_OPEN, unit="billion USD / yr",
                          doc="civil space budget", source="source")
    alignment: float = param(lo=-1.0, hi=1.0, doc="-1 China-led camp ... +1 US-led camp",
                             source="direction")
    transparency: float = _trait("0 opaque ... 1 transparent")
    dual_use: float = _trait("military integration of the space programme")
    prestige_domestic: float = _trait("weight on prestige at home")
    prestige_international: float = _trait("weight on prestige abroad")
    relative_gains: float = _trait("sensitivity to a rival's gains")
    failure_tolerance: float = _trait("0 no tolerance ... 1 full tolerance")
    reaction: float = nonneg(0.0, hi=100.0, unit="1 / yr", doc="Richardson reaction coefficient")
    fatigue: float = nonneg(0.5, hi=100.0, unit="1 / yr", doc="Richardson fatigue coefficient")
    future_weight: float = nonneg(0.2, hi=1e3, doc="weight on the shadow of the future")
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
    source: str = "states"               # states: data/states.csv by name; synthetic: drawn
    states_file: Optional[str] = None    # default: the project's data/states.csv
    record_file: Optional[str] = None    # default: data/programme_record_2020_2022.csv
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
    reaction: float = nonneg(0.0, hi=100.0, unit="1 / yr", doc="generated states' reaction")
    fatigue: float = nonneg(0.5, hi=100.0, unit="1 / yr", doc="generated states' fatigue")
    future_weight: float = nonneg(0.0, hi=1e3, doc="generated states' weight on the future")


@dataclass
class WorldConfig:
    start_year: int = MISSING
    horizon: int = MISSING
    threat_perception: float = nonneg(hi=100.0, doc="multiplier on perceived rivalry (capped at 1)")
    rules_of_the_road: float = prob(doc="0 none ... 1 agreed norms (cuts security and "
                                        "exploitation costs)", source="direction")
    rest_of_world: RestOfWorldConfig = field(default_factory=RestOfWorldConfig)


def _payoff(doc, source="assumption", unit="capability units / yr"):
    return nonneg(doc=doc, source=source, unit=unit)


@dataclass
class PayoffConfig:
    coop_gain: float = _payoff("gain per unit of partner capability when both cooperate", "direction")
    duplication_saving: float = _payoff("avoided duplication, times min(c_i, c_j)", "direction")
    security_cost: float = _payoff("times rivalry x dual use x opacity x min(c_i, c_j)", "direction")
    exploitation_cost: float = _payoff("sucker's loss, times min(c_i, c_j)")
    free_ride: float = _payoff("share of a cooperating partner's benefit a competitor captures",
                               unit="share")
    spur: float = _payoff("capability spur of competing, times min(c_i, c_j)", "direction")
    prestige_gain: float = _payoff("prestige value of competing, times the prestige weight",
                                   "direction")
    racing_cost: float = _payoff("budget cost of competing, times min(c_i, c_j)")
    partner_prestige: float = _payoff("international prestige of being a capable partner's "
                                      "partner, times its capability", "direction")
    programme_bonus: float = _payoff("per shared programme, times the partner's capability")
    third_party_cost: float = _payoff("times exposure x own capability", "direction")


def _rate(doc):
    return param(lo=-1.0, hi=10.0, unit="1 / yr", doc=doc)


@dataclass
class DynamicsConfig:
    capability_depreciation: float = prob(unit="1 / yr", doc=(
        "share of the capability stock that wears out a year (the budget rebuilds it)"))
    science_learning: float = _rate("share of science above own capability turned into capability")
    science_sharing: float = nonneg(hi=100.0, doc=(
        "science per unit of min(c_i, c_j) a mutually cooperating pair adds to each"))
    race_spur: float = param(lo=-1.0, hi=10.0, unit="relative", doc=(
        "extra capability a unit of racing spending builds over a unit of routine spending"),
        source="direction")
    budget_growth: float = _rate("real budget growth per year")
    prestige_decay: float = prob(doc="share of prestige that fades per year")
    alignment_drift: float = prob(doc="pull of mutual partners' alignment per year")
    initial_racing_share: float = prob(doc="share of budget spent on racing in the start year")
    racing_cap: float = prob(doc="racing spending never exceeds this share of the budget")
    initial_trust_cooperating: float = prob(doc="belief that a documented partner cooperates")
    initial_trust_other: float = prob(doc="belief that any other counterpart cooperates")


#: one field per registered mechanism (sim/mechanisms/, one file each), its Config
MechanismsConfig = make_dataclass("MechanismsConfig", [
    (name, cls.Config, field(default_factory=cls.Config)) for name, cls in REGISTRY.items()])


@dataclass
class ProgrammeConfig:
    leader: str = MISSING
    side: float = MISSING                # +1 US-led, -1 China-led
    cost: float = nonneg(hi=100.0, doc="cost of membership (wish units)")
    open: bool = True                    # anyone may join (False: only initial members)
    seat: bool = False                   # a station: joining takes cooperation with the leader
    seats_per_year: Optional[int] = None  # new members a year at most (None: no limit)
    seat_talks: int = param(1, lo=1, hi=50, unit="years", doc=(
        "consecutive years of mutual cooperation with the leader a station seat agreement takes"))
    initial_members: list[str] = field(default_factory=list)


@dataclass
class ProgrammesConfig:
    w_alignment: float = param(lo=-100.0, hi=100.0, doc="weight of alignment with the camp")
    w_leader: float = param(lo=-100.0, hi=100.0, doc="weight of the relation with the leader")
    w_science: float = param(lo=-100.0, hi=100.0, doc="weight of the members' capability share")
    w_prestige: float = param(lo=-100.0, hi=100.0, doc="weight of attractiveness x prestige abroad")
    inertia: float = param(lo=-100.0, hi=100.0, doc="status-quo bias of a member")
    hedging_penalty: float = param(lo=-100.0, hi=100.0, doc="cost of being in both camps")
    revision_rate: float = prob(doc="yearly hazard that a (programme, actor) entry is decided "
                                    "(fitted: python -m sim.world.calibrate)", unit="1 / yr",
                                source="source")
    accession_cost: float = param(0.0, lo=0.0, hi=100.0, unit="wish units", source="source",
                                  doc="friction a non-member's wish must beat to join "
                                      "(negotiation, domestic approval; fitted)")
    w_ties: float = param(0.0, lo=-100.0, hi=100.0, doc="weight of a treaty/BRI tie to the "
                          "programme's camp", source="direction")
    w_peers: float = param(0.0, lo=-100.0, hi=100.0, doc="weight of the share of sub-region "
                           "peers already in the programme", source="direction")
    allow_hedging: bool = True
    artemis: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    ilrs: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    iss: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    tiangong: ProgrammeConfig = field(default_factory=ProgrammeConfig)


@dataclass
class StrategiesConfig:
    default: str = MISSING
    by_actor: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, float]] = field(default_factory=dict)
    noise: float = MISSING


@dataclass
class OutcomeConfig:
    window: int = MISSING
    tie_threshold: float = param(lo=0.0, hi=1.0, lo_open=True, doc=(
        "share of the window's years of mutual cooperation that is a tie (camp rule)"),
        source="convention")
    align: float = param(lo=0.0, hi=1.0, lo_open=True, doc=(
        "alignment beyond this on the other side vetoes a camp by ties alone"),
        source="convention")
    west: list[str] = field(default_factory=list)
    east: list[str] = field(default_factory=list)
    bloc: float = param(lo=0.0, hi=1.0, lo_open=True, doc="bloc index from which a run is a bloc",
                        source="convention")
    race: float = param(lo=0.0, hi=1.0, lo_open=True, doc="race index from which a run is a race",
                        source="convention")
    collaboration: float = param(lo=0.0, hi=1.0, lo_open=True, doc=(
        "collaboration index from which a run is collaboration"), source="convention")
    hedged: float = param(lo=0.0, hi=1.0, lo_open=True, doc=(
        "share of hedgers among camp-programme members from which a run is hedged"),
        source="convention")


@dataclass
class SweepConfig:
    name: str = MISSING
    seeds: int = MISSING
    first_seed: int = MISSING
    grid: dict[str, list[Any]] = field(default_factory=dict)
    chunk_size: int = MISSING
    lockstep: int = 25                   # seeds run side by side in one model
    workers: int = MISSING
    executor: str = MISSING              # local | ray | serial
    ray_address: Optional[str] = None
    progress: bool = True
    # a sampling design over the declared uncertainties, its points x grid x seeds:
    # {kind: latin|sobol|morris, N, seed, uncertainties: default, levers: [...],
    #  calc_second_order (sobol), num_levels, optimal_trajectories (morris)}; {} = none.
    # Checked by sim.experiments.designs.from_spec (sim.config.validation.check_design). A plain mapping with an
    # empty default: OmegaConf cannot merge a mapping into an optional None node
    design: dict[str, Any] = field(default_factory=dict)


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




#: the Hydra config folder (configs/ at the project root)
from sim.paths import CONFIG_DIR  # noqa: E402

_session_open = False


class session:
    """One Hydra initialisation for many compositions (3x faster than one each)."""

    def __enter__(self):
        from hydra import initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra

        global _session_open
        register()
        GlobalHydra.instance().clear()
        self.init = initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3")
        self.init.__enter__()
        _session_open = True
        return self

    def __exit__(self, *exc):
        global _session_open
        _session_open = False
        return self.init.__exit__(*exc)


def compose(overrides: list[str]):
    """Compose the config for ``overrides`` the way ``python -m sim`` would (with the
    Hydra node, so ``${hydra:...}`` interpolations resolve); inside a :class:`session`,
    many compositions share one Hydra initialisation."""
    import warnings

    from hydra import compose as hydra_compose
    from hydra.core.hydra_config import HydraConfig

    with warnings.catch_warnings():     # a missing search path is reported as one line
        warnings.simplefilter("ignore", UserWarning)
        if _session_open:
            cfg = hydra_compose("config", overrides=list(overrides), return_hydra_config=True)
        else:
            with session():
                cfg = hydra_compose("config", overrides=list(overrides),
                                    return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    return cfg


def register() -> None:
    """Register the schema (``- base_config`` in ``configs/config.yaml``) and resolvers.
    The schema is stored once per process: storing converts the dataclasses to a config
    (~30-70 ms, once per composition outside a :class:`session`), and Hydra hands each
    composition a deep copy of the stored node, so the stored one never changes."""
    store = ConfigStore.instance()
    if "base_config.yaml" not in store.repo:
        store.store(name="base_config", node=Config)
    from sim.experiments.plan import register_resolvers     # folder names live with the sweep plan
    register_resolvers()
    if not OmegaConf.has_resolver("calibrated"):     # ${calibrated:name}: data/calibration.json
        from sim.world.calibration import calibrated
        OmegaConf.register_new_resolver("calibrated", calibrated)
