"""The space-power model: every year each actor chooses, toward each counterpart that
matters to it, to cooperate or to compete, and which programmes to be in.

One year (``step``, its stages named there), for all actors at once (simultaneous moves):

1. the mechanisms act (:mod:`sim.mechanisms`; their order does not matter);
2. the milestones of the year happen, in config order;
3. each directed relation gets its stage game from the actors' attributes
   (:class:`sim.game.payoffs.StageGame`);
4. each actor's rule picks its move toward each counterpart (:mod:`sim.game.strategies`);
5. a trembling hand flips moves with probability ``strategies.noise``; then blocked
   moves (the Wolf Amendment) become *compete*; each relation gets its payoff;
6. the rules learn from the realised payoffs;
7. the security spiral updates racing spending (``after_choices``);
8. programme memberships are revised (:mod:`sim.world.programmes`);
9. capability, budget, prestige and alignment evolve (:mod:`sim.engine.growth`);
10. the year is recorded (the model table, the actor table).

The first year is ``world.start_year``. Before it, the documented world of that year
is taken as last year's moves: programme co-members, the pairs named by mechanisms
(ESA–China) and China's agreement partners start out cooperating.

``seeds=[...]`` runs B worlds side by side (one run is B = 1): every array that can
differ between worlds has the world axis first (:mod:`sim.world.actors`), and every stage
is written for one world's semantics.

Milestones are a stage of the year, not Mesa scheduled events: Mesa runs an event
between steps, so a milestone would act before the year's mechanisms instead of after
them, which changes results (swapping stages 1 and 2 changes the regression table of
status_quo, seed 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.plain import to_plain
from sim.world.actors import (ActorState, actors_depend_on_seed, build_actors, build_relations,
                              relations_depend_on_seed)
from sim.mesa.agents import SpacePower
from sim.mesa.collect import TableCollector
from sim.mesa.columns import ACTOR_COLUMNS, MODEL_COLUMNS, TRACKED_PAIRS
from sim.names import ILRS, MAJORS, PROGRAMMES
from sim.outcome.agencies import AGENCIES, agency_of_states
from sim.mechanisms import Mechanism, build_mechanisms, build_milestones
from sim.outcome.rule import OutcomeRule
from sim.game.payoffs import (PayoffParams, RelationModifiers, StageGame)
from sim.world.programmes import Eligibility, MembershipRule
from sim.world.world_states import states_where
from sim.game.strategies import Opening, StageGames, make_rule
from sim.engine.draws import Draws
from sim.engine.measures import Measures
from sim.engine.start import DocumentedStart
from sim.engine.year import YearStages
from sim.engine.growth import budget_productivity


@dataclass
class _RuleGroup:
    """The directed relations whose deciding actor uses one rule, and that rule's state
    (flat over the worlds: world by world, each world's ``idx`` relations)."""

    name: str
    rule: object
    idx: np.ndarray | slice
    state: dict
    games: StageGames | None = None


class SpaceRaceModel(DocumentedStart, YearStages, Measures, mesa.Model):
    """The world of space powers.

    Two ways to say which world::

        SpaceRaceModel(cfg, rng=7)                       # a composed config (or its dict)
        SpaceRaceModel(scenario="cold_war_race", rng=7, threat_perception=1.5,
                       overrides=["payoffs.coop_gain=0.4"])   # keywords (sim.mesa.keywords)

    so ``mesa.batch_run(SpaceRaceModel, {"scenario": [...], "threat_perception": [...]})``
    and Mesa's SolaraViz drive it directly. Keyword values are validated like the
    command line's.
    """

    def __init__(self, config=None, rng=None, record_actors: bool = True, *, seeds=None,
                 scenario: str | None = None, overrides=(), **params):
        """``rng`` seeds the one world. ``seeds`` (instead of ``rng``) runs one world per
        seed side by side, in lockstep: world ``b`` draws all its
        randomness from ``numpy.random.default_rng(seeds[b])``, in the order one world
        alone would, so its results are those of ``SpaceRaceModel(config, rng=seeds[b])``.
        ``scenario``, ``overrides`` and other keywords: see :mod:`sim.mesa.keywords`.
        """
        seeds = None if seeds is None else [int(s) for s in seeds]
        if seeds is not None and (rng is not None or not seeds):
            raise ValueError("give either rng or a non-empty list of seeds")
        if config is None or scenario is not None or overrides or params:
            config = self._keyword_config(config, scenario, overrides, params)
        super().__init__(rng=seeds[0] if seeds else rng)
        #: one generator per world (world 0's is Mesa's ``model.rng``)
        self.rngs = [self.rng] + [np.random.default_rng(s) for s in (seeds or [])[1:]]
        self.n_worlds = B = len(self.rngs)
        if B > 1 and record_actors:
            raise ValueError("record_actors needs a single world (rng=seed)")
        cfg = to_plain(config)
        world, dyn = cfg["world"], cfg["dynamics"]
        self.start_year, self.horizon = int(world["start_year"]), int(world["horizon"])
        self.year = self.start_year
        self.record_actors = record_actors

        ties = int(world["rest_of_world"]["ties_per_state"])
        if B > 1 and relations_depend_on_seed(cfg):
            raise ValueError("worlds side by side share their relations, but this world's "
                             "are drawn per seed (rest_of_world.ties_per_state > 0 in the "
                             "synthetic world): run one model per seed")
        # drawn actors per world; the data world's (no draw) built once for all worlds
        actors = ([build_actors(cfg, g) for g in self.rngs] if actors_depend_on_seed(cfg)
                  else [build_actors(cfg, self.rngs[0])] * B)
        # one world's relations serve all (they read the actors' kinds, regions and GDPs;
        # drawn ties, refused above for B > 1, come from the one world's generator)
        rel = build_relations(actors[0], ties, self.rngs[0])
        #: every actor's attributes, (B, n) where worlds differ (sim.world.actors)
        self.actors = ActorState.stack(actors)
        self.names = self.actors.names
        self.index = self.actors.index()
        self.world_n = len(self.names)               # actors per world
        self._agents_made = False     # SpacePower agents are made on first use (see agents)
        #: the pairs of actors that relate (the same in every world)
        self.relations = rel
        n, e2 = self.world_n, 2 * rel.E
        #: one stream of uniform draws per world (sim.engine.draws)
        self.draws = Draws(self.rngs)
        #: the camps' anchors: the first major power of each side (outcome.west / east)
        self.west_anchor = self.index[cfg["outcome"]["west"][0]]
        self.east_anchor = self.index[cfg["outcome"]["east"][0]]
        west_east = (self.west_anchor, self.east_anchor)

        # modifier arrays the mechanisms write to: (world, relation), (world, actor)
        self.blocked = np.zeros((B, e2), dtype=bool)
        self.mods = RelationModifiers.neutral((B, e2))
        self.pace = np.ones((B, n))
        self.last_actions = np.zeros((B, e2), dtype=bool)
        self.event_logs: list[list[tuple[int, str, str]]] = [[] for _ in range(B)]
        self.event_log = self.event_logs[0]
        self.initial_pairs: list[tuple[int, int]] = []

        #: per actor: the agency (ESA) it is a member state of, -1: none (sim.outcome.camps)
        states_file = world["rest_of_world"].get("states_file")
        self._agency_of = agency_of_states(self.actors.iso3, self.names, AGENCIES,
                                           lambda column: states_where(column, states_file))

        # programmes: (world, programme, actor)
        progs = cfg["programmes"]
        P = len(PROGRAMMES)
        self.members = np.zeros((B, P, n), dtype=bool)
        configured = np.ones((B, P, n), dtype=bool)
        start = self._start_members(cfg)
        for k, p in enumerate(PROGRAMMES):
            initial = start[p]
            self.members[:, k, initial] = True
            if not progs[p]["open"]:
                configured[:, k] = False
                configured[:, k, initial] = True
            elif p in ("artemis", "ilrs") and world["rest_of_world"].get("source") == "states":
                # the record counts accords by state: an agency (ESA) signs none
                configured[:, k] &= self.actors.un_member | self.members[:, k]
        #: (world, programme, actor): the year the actor (last) joined, start_year - 1 for
        #: the members before the first step, 0 for a non-member
        self.joined = np.where(self.members, self.start_year - 1, 0).astype(np.int16)
        #: who may be in which programme (mechanisms grant and ban; see Eligibility)
        self.eligibility = Eligibility(configured)
        #: per programme: open (every world's; a programme closes in a given year)
        self.programme_open = np.ones(P, dtype=bool)
        #: (world, programme): each programme's attractiveness (milestones add to it)
        self.attractiveness = np.zeros((B, P))
        self.join_bonus = np.zeros((B, P, n))
        self.membership_rule = MembershipRule.from_config(progs, self.index)
        #: (world, actor): the yearly hazard of reconsidering and the accession cost
        #: (sim.world.calibrate sets one per world)
        self.revision_rate = np.full((B, n), self.membership_rule.revision_rate)
        self.accession_cost = np.full((B, n), self.membership_rule.accession_cost)
        #: per programme: new members a year at most (-1: no limit)
        self.seats_per_year = [-1 if progs[p].get("seats_per_year") is None
                               else int(progs[p]["seats_per_year"]) for p in PROGRAMMES]
        #: per programme: years of mutual cooperation with the leader a seat agreement
        #: takes; per (world, programme, actor): the consecutive years so far
        self.seat_years = np.array([int(progs[p].get("seat_talks", 1)) for p in PROGRAMMES])
        self.talks = np.zeros((B, P, n), dtype=np.int64)
        leaders = self.membership_rule.leader
        self.ilrs_leader = int(leaders[ILRS])
        #: (programme, actor): the relation actor -> the programme's leader (-1: none)
        self._to_leader = rel.index_matrix()[:, leaders].T.copy()
        if self._to_leader.shape[1] < n:        # actors beyond the last related one
            self._to_leader = np.pad(self._to_leader, ((0, 0), (0, n - self._to_leader.shape[1])),
                                     constant_values=-1)

        # payoff inputs that do not change during a run
        act = self.actors
        self.payoff_params = PayoffParams.from_config(cfg["payoffs"])
        self.threat = float(world["threat_perception"])
        self.stage_game = StageGame(self.payoff_params, cfg["payoffs"]["programme_bonus"],
                                    self.threat, world["rules_of_the_road"], act, rel)
        self.dyn = {k: float(v) for k, v in dyn.items()}
        d, pp = self.dyn, self.payoff_params
        self._growth = np.array([d["capability_depreciation"], d["science_learning"], d["race_spur"],
                                 d["budget_growth"], d["prestige_decay"], d["alignment_drift"],
                                 d["science_sharing"], pp.prestige_gain, pp.partner_prestige])
        self._anchors = np.zeros(n, dtype=np.bool_)
        self._anchors[list(west_east)] = True
        act.racing = self.dyn["initial_racing_share"] * act.budget
        self.productivity = budget_productivity(act.capability, act.budget, d)
        self.partner_alignment = act.alignment.copy()

        self.mechanisms = build_mechanisms(cfg)
        self.milestones = build_milestones(cfg)
        for m in self.mechanisms + self.milestones:
            m.setup(self)
        self._yearly = [m for m in self.mechanisms if type(m).on_year is not Mechanism.on_year]
        self._after = [m for m in self.mechanisms
                       if type(m).after_choices is not Mechanism.after_choices]
        #: year -> the milestones of that year, in config order
        self.milestone_schedule: dict[int, list] = {}
        for m in self.milestones:
            if m.year is not None:
                self.milestone_schedule.setdefault(int(m.year), []).append(m)

        initial = self._initial_cooperation(int(world["rest_of_world"]["china_agreement_partners"]))
        self._setup_rules(cfg["strategies"], initial, cfg["actors"])
        self.last_actions = initial
        self.noise = float(cfg["strategies"]["noise"])
        self._no_flips = np.ones((B, e2))

        o = cfg["outcome"]
        self.outcome_rule = OutcomeRule.from_config(o)
        self.racing_cap = float(dyn["racing_cap"])
        self.space_powers = tuple(MAJORS)
        west = [self.index[a] for a in o["west"]]
        east = [self.index[a] for a in o["east"]]
        #: the undirected pairs across the divide and the anchors' pair (-1: none)
        self._cross = np.unique(rel.between(west, east) % max(rel.E, 1)).astype(np.int64)
        k = rel.directed(min(west_east), max(west_east))
        self._us_china_pair = k if k is not None and k < rel.E else -1
        #: the tracked pairs' directed relations a -> b (-1: none)
        def directed(a, b):
            k = rel.directed(self.index[a], self.index[b]) \
                if a in self.index and b in self.index else None
            return -1 if k is None else k
        self._tracked = np.array([directed(a, b) for a, b in TRACKED_PAIRS]
                                 + [directed("US", "China"), directed("China", "US")],
                                 dtype=np.int64)
        self._tracked_col = MODEL_COLUMNS.index(f"coop_{TRACKED_PAIRS[0][0]}_{TRACKED_PAIRS[0][1]}")

        years = self.horizon - self.start_year + 1
        #: the model table of every world; ``model_rows`` is world 0's
        self.world_rows = np.zeros((B, years, len(MODEL_COLUMNS)))
        self.model_rows = self.world_rows[0]
        #: (world, year, pair): each year's mutual cooperation
        self.mutual_history = np.zeros((B, years, rel.E), dtype=bool)
        #: (world, year, relation): each year's realised moves (cooperate = True)
        self.action_history = np.zeros((B, years, e2), dtype=bool)
        if record_actors:
            self.actor_rows = np.zeros((years, len(ACTOR_COLUMNS), n))
        self._t = 0
        self.running = self.start_year <= self.horizon
        #: the per-year tables, Mesa-style (model_vars, get_model_vars_dataframe ...)
        self.datacollector = TableCollector(self)

    @staticmethod
    def _keyword_config(config, scenario, overrides, params) -> dict:
        from sim.mesa.keywords import apply_keywords, base_config
        from sim.config.validation import validate
        if config is not None and (scenario is not None or overrides):
            raise TypeError("give a config, or scenario/overrides, not both")
        base = to_plain(config) if config is not None else \
            base_config(scenario or "status_quo", overrides)
        cfg = apply_keywords(base, params)
        validate(cfg)
        return cfg

    # --- the world axis ------------------------------------------------------------

    def named(self, *names: str) -> list[int]:
        """The actors of these names (indices on the actor axis, the same in every world)."""
        return [self.index[a] for a in names]

    @property
    def eligible(self) -> np.ndarray:
        """(world, programme, actor): who may be in which programme now (see
        :class:`Eligibility`; nobody may be in a closed programme)."""
        return self.eligibility.eligible & self.programme_open[:, None]

    def close(self, programme: int) -> None:
        """The programme closes for good: no members from now on."""
        self.programme_open[programme] = False
        self.members[:, programme] = False

    # --- Mesa agents ------------------------------------------------------------------

    @property
    def agents(self):
        """All :class:`~sim.mesa.agents.SpacePower` agents (one per actor).

        They are views onto ``model.actors`` and are made the first time anyone asks
        for them: a sweep of thousands of runs never needs the Python objects, and
        making them draws no random numbers, so results are the same either way. With
        several worlds side by side they are world 0's actors.
        """
        if not self._agents_made:
            self._agents_made = True
            for k, name in enumerate(self.names):
                SpacePower(self, k, name)
        return super().agents

    @property
    def agents_by_type(self):
        self.agents  # noqa: B018 - makes the agents
        return super().agents_by_type

    # --- set-up ---------------------------------------------------------------------

    def set_world_params(self, revision_rate=None, accession_cost=None) -> None:
        """One accession hazard and cost per world (arrays of length ``n_worlds``), so
        many parameter sets run side by side (the calibration's batched ABC)."""
        for name, value in (("revision_rate", revision_rate), ("accession_cost", accession_cost)):
            if value is not None:
                value = np.broadcast_to(np.asarray(value, dtype=np.float64), (self.n_worlds,))
                setattr(self, name, np.repeat(value[:, None], self.world_n, axis=1))

    def _setup_rules(self, scfg: dict, initial: np.ndarray, actor_cfg: dict) -> None:
        """Each actor's rule: ``strategies.by_actor``, else the actor's own ``strategy``,
        else ``strategies.default``; its state starts from the initial moves."""
        rel, act = self.relations, self.actors
        by_actor = scfg.get("by_actor") or {}
        self.strategy_of = [by_actor.get(name)
                            or (actor_cfg[name].get("strategy") if name in actor_cfg else None)
                            or scfg["default"] for name in self.names]
        trust0 = np.where(initial[:, rel.rev], self.dyn["initial_trust_cooperating"],
                          self.dyn["initial_trust_other"])
        names = sorted(set(self.strategy_of))
        code = np.array([names.index(s) for s in self.strategy_of], dtype=np.int64)
        src_rule = code[rel.src]             # each relation's rule, as its index in names
        self.rule_groups = []
        flat = lambda x: x[:, idx].reshape(-1)  # noqa: E731 - world by world
        for c, name in enumerate(names):
            idx = np.flatnonzero(src_rule == c)
            if len(idx) == 0:
                continue
            if len(idx) == len(src_rule):
                idx = slice(None)
            rule = make_rule(name, **((scfg.get("params") or {}).get(name) or {}))
            state = rule.init(self.n_worlds * len(rel.src[idx]), self.draws, Opening(
                mine=flat(initial), theirs=flat(initial[:, rel.rev]), trust=flat(trust0),
                future_weight=flat(act.future_weight[:, rel.src])))
            self.rule_groups.append(_RuleGroup(name, rule, idx, state))

    # --- one year -------------------------------------------------------------------

    def stage_games(self) -> StageGames:
        """This year's stage game for every directed relation (:class:`sim.game.payoffs.StageGame`)."""
        return self._stage_games()[1]

    def _stage_games(self) -> tuple[np.ndarray, StageGames]:
        act = self.actors
        return self.stage_game(act.capability, act.alignment, self.partner_alignment,
                               self.members, self.mods)

    # --- whole run ------------------------------------------------------------------

    def run(self) -> None:
        while self.running:
            self.step()

