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
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.plain import to_plain  # noqa: F401 - re-exported (sim.mesa.model.to_plain)
from sim.world.actors import ActorState, Relations, build_actors, build_relations
from sim.mesa.agents import SpacePower
from sim.mesa.collect import TableCollector
from sim.mesa.columns import ACTOR_COLUMNS, MODEL_COLUMNS, TRACKED_PAIRS  # noqa: F401 - re-exported
from sim.names import MAJORS, PROGRAMMES
from sim.mechanisms import Mechanism, Played, build_mechanisms, build_milestones
from sim.outcome.rule import OutcomeRule
from sim.outcome.snapshot import WorldSnapshot
from sim.game.payoffs import (PayoffParams, RelationModifiers, StageGame,
                         classify_codes)
from sim.world.programmes import Eligibility, MembershipRule
from sim.game.strategies import Opening, StageGames, make_rule
from sim.engine.draws import WorldDraws
from sim.engine.growth import CEILING, _grow_kernel  # noqa: F401 - CEILING re-exported
from sim.engine.metrics import _year_metrics_worlds
from sim.engine.moves import _realise

ARTEMIS, ILRS = PROGRAMMES.index("artemis"), PROGRAMMES.index("ilrs")


@dataclass
class _RuleGroup:
    """The directed relations whose deciding actor uses one rule, and that rule's state."""

    name: str
    rule: object
    idx: np.ndarray | slice
    state: dict
    draws: object                   # the generator (one world) or a WorldDraws
    games: StageGames | None = None


class SpaceRaceModel(mesa.Model):
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
        actors = [build_actors(cfg, g) for g in self.rngs]
        parts = [build_relations(a, ties, g) for a, g in zip(actors, self.rngs)]
        self.actors = ActorState.concat(actors)
        self.names = self.actors.names
        self.index = self.actors.index()
        self.world_n = wn = len(self.names)          # actors per world
        self._agents_made = False     # SpacePower agents are made on first use (see agents)
        self.relations = rel = Relations.union(parts, wn)
        n, e2 = self.actors.n, 2 * rel.E
        self.us, self.china = self.index["US"], self.index["China"]
        #: the camps' anchors: the first major power of each side (outcome.west / east)
        self.west_anchor = self.index[cfg["outcome"]["west"][0]]
        self.east_anchor = self.index[cfg["outcome"]["east"][0]]
        west_east = (self.west_anchor, self.east_anchor)

        # modifier arrays the mechanisms write to
        self.blocked = np.zeros(e2, dtype=bool)
        self.mods = RelationModifiers.neutral(e2)
        self.security_discount = self.mods.security_discount
        self.rivalry_discount = self.mods.rivalry_discount
        self.rho_extra = self.mods.rho_extra
        self.pair_bonus = self.mods.pair_bonus
        self.pace = np.ones(n)
        self.last_actions = np.zeros(e2, dtype=bool)
        self.event_logs: list[list[tuple[int, str, str]]] = [[] for _ in range(B)]
        self.event_log = self.event_logs[0]
        self.initial_pairs: list[tuple[int, int]] = []

        # programmes
        progs = cfg["programmes"]
        self.members = np.zeros((len(PROGRAMMES), n), dtype=bool)
        configured = np.ones((len(PROGRAMMES), n), dtype=bool)
        start = self._start_members(cfg)
        for k, p in enumerate(PROGRAMMES):
            initial = self.all_worlds(start[p])
            self.members[k, initial] = True
            if not progs[p]["open"]:
                configured[k] = False
                configured[k, initial] = True
            elif p in ("artemis", "ilrs") and world["rest_of_world"].get("source") == "states":
                # the record counts accords by state: an agency (ESA) signs none
                configured[k] &= self.actors.un_member | self.members[k]
        #: (programme, actor): the year the actor (last) joined, start_year - 1 for the
        #: members before the first step, 0 for a non-member
        self.joined = np.where(self.members, self.start_year - 1, 0).astype(np.int16)
        #: who may be in which programme (mechanisms grant and ban; see Eligibility)
        self.eligibility = Eligibility(configured)
        self.programme_open = np.ones(len(PROGRAMMES), dtype=bool)
        #: each programme's attractiveness per world (milestones add to it)
        self.attractiveness_worlds = np.zeros((len(PROGRAMMES), B))
        self.join_bonus = np.zeros((len(PROGRAMMES), n))
        self.membership_rule = MembershipRule.from_config(progs, self.index)
        #: per actor: the yearly hazard of reconsidering and the accession cost (one value
        #: per world; sim.world.calibrate sets them world by world)
        self.revision_rate = np.full(n, self.membership_rule.revision_rate)
        self.accession_cost = np.full(n, self.membership_rule.accession_cost)
        #: per programme: new members a year at most (-1: no limit)
        self.seats_per_year = [-1 if progs[p].get("seats_per_year") is None
                               else int(progs[p]["seats_per_year"]) for p in PROGRAMMES]
        leaders = self.membership_rule.leader
        self.ilrs_leader = int(leaders[ILRS])
        self._to_leader = np.concatenate(                 # (programme, actor) -> a->L
            [self._leader_edges(b, r, leaders) for b, r in enumerate(rel.parts)], axis=1)

        # payoff inputs that do not change during a run
        act = self.actors
        self.payoff_params = PayoffParams.from_config(cfg["payoffs"])
        self.threat = float(world["threat_perception"])
        self.stage_game = StageGame(self.payoff_params, cfg["payoffs"]["programme_bonus"],
                                    self.threat, world["rules_of_the_road"], act, rel)
        self.dyn = {k: float(v) for k, v in dyn.items()}
        d, pp = self.dyn, self.payoff_params
        self._growth = np.array([d["base_growth"], d["science_learning"], d["race_spur"],
                                 d["budget_growth"], d["prestige_decay"], d["alignment_drift"],
                                 d["science_sharing"], pp.prestige_gain, pp.partner_prestige])
        self._anchors = np.zeros(n, dtype=np.bool_)
        self._anchors[self.all_worlds(west_east)] = True
        act.racing = self.dyn["initial_racing_share"] * act.budget
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
        self._no_flips = np.ones(2 * rel.E)
        self._flip_draws = self.rng if B == 1 else WorldDraws(self, slice(None))

        o = cfg["outcome"]
        self.outcome_rule = OutcomeRule.from_config(o)
        self.racing_cap = float(dyn["racing_cap"])
        self.space_powers = tuple(MAJORS)
        west = [self.index[a] for a in o["west"]]
        east = [self.index[a] for a in o["east"]]
        # per world: its undirected pairs across the divide and the US-China pair, as
        # indices into that world's own pairs
        self._cross = [np.unique(r.between(west, east) % max(r.E, 1)) for r in rel.parts]
        us_china = [r.directed(min(west_east), max(west_east))
                    for r in rel.parts]
        self._us_china_pair = np.array([k if k is not None and k < r.E else -1
                                        for k, r in zip(us_china, rel.parts)], dtype=np.int64)
        # each pair's actors as indices within its own world
        self._i_local = np.concatenate([r.i for r in rel.parts])
        self._j_local = np.concatenate([r.j for r in rel.parts])
        self._cross_all = np.concatenate(self._cross).astype(np.int64)
        self._cross_offset = np.cumsum([0] + [len(c) for c in self._cross]).astype(np.int64)
        # union indices (world, tracked) of the tracked pairs' relations a -> b (-1: none)
        def union_of(a, b):
            if a not in self.index or b not in self.index:
                return np.full(B, -1, dtype=np.int64)
            out = []
            for w, r in enumerate(rel.parts):
                k = r.directed(self.index[a], self.index[b])
                out.append(-1 if k is None else int(rel.to_union(w, k)))
            return np.array(out, dtype=np.int64)
        self._tracked = np.stack([union_of(a, b) for a, b in TRACKED_PAIRS]
                                 + [union_of("US", "China"), union_of("China", "US")], axis=1)
        self._tracked_col = MODEL_COLUMNS.index(f"coop_{TRACKED_PAIRS[0][0]}_{TRACKED_PAIRS[0][1]}")

        years = self.horizon - self.start_year + 1
        #: the model table of every world; ``model_rows`` is world 0's
        self.world_rows = np.zeros((B, years, len(MODEL_COLUMNS)))
        self.model_rows = self.world_rows[0]
        self.mutual_history = np.zeros((years, rel.E), dtype=bool)
        #: each year's realised moves (cooperate = True) of every directed relation
        self.action_history = np.zeros((years, 2 * rel.E), dtype=bool)
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

    # --- several worlds -------------------------------------------------------------

    def all_worlds(self, local) -> np.ndarray:
        """Indices of the given actors (one world's indices) in every world."""
        local = np.asarray(local, dtype=np.int64).reshape(-1)
        return (local[None, :] + self.world_n * np.arange(self.n_worlds)[:, None]).reshape(-1)

    def named(self, *names: str) -> np.ndarray:
        """The actors of these names, in every world (indices into the actor arrays)."""
        return self.all_worlds([self.index[a] for a in names])

    @property
    def attractiveness(self) -> np.ndarray:
        """Each programme's attractiveness (from milestones); (programme, world) when
        several worlds run."""
        return self.attractiveness_worlds[:, 0] if self.n_worlds == 1 else self.attractiveness_worlds

    @property
    def eligible(self) -> np.ndarray:
        """(programme, actor): who may be in which programme now (see :class:`Eligibility`;
        nobody may be in a closed programme)."""
        return self.eligibility.eligible & self.programme_open[:, None]

    def close(self, programme: int) -> None:
        """The programme closes for good: no members from now on."""
        self.programme_open[programme] = False
        self.members[programme] = False

    def _leader_edges(self, b: int, r: Relations, leaders) -> np.ndarray:
        local = np.full((len(leaders), self.world_n), -1, dtype=np.int64)
        index = r.index_matrix()
        local[:, :len(index)] = index[:, leaders].T
        return np.where(local < 0, -1, self.relations.to_union(b, local))

    def actors_of(self, world: int) -> slice:
        """A world's actors in the model's actor arrays."""
        return slice(world * self.world_n, (world + 1) * self.world_n)

    def pairs_of(self, world: int) -> slice:
        """A world's undirected pairs (its relations i -> j; j -> i are ``E`` later)."""
        return slice(self.relations.pair_offset[world], self.relations.pair_offset[world + 1])

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
                setattr(self, name, np.repeat(value, self.world_n))

    def _start_members(self, cfg: dict) -> dict[str, list[int]]:
        """Programme -> its members before the first step (one world's indices).

        The synthetic world: ``programmes.<p>.initial_members``. The data world: the
        record's members before ``world.start_year`` (:func:`sim.world.world_states.record_start_members`),
        plus the configured initial members the record does not date later (ESA in the
        ISS; a lever's "India signs"), plus each programme's leader."""
        progs = cfg["programmes"]
        configured = {p: [self.index[a] for a in progs[p]["initial_members"]] for p in PROGRAMMES}
        if cfg["world"]["rest_of_world"].get("source", "synthetic") != "states":
            return configured
        from sim.world.world_states import record_dated_later, record_start_members
        iso3 = self.actors.iso3[:self.world_n]
        record, later = record_start_members(cfg, iso3), record_dated_later(cfg, iso3)
        out = {}
        for p in PROGRAMMES:
            keep = [a for a in configured[p] if a not in later[p]]
            out[p] = sorted(set(record[p].tolist()) | set(keep) | {self.index[progs[p]["leader"]]})
        return out

    def _initial_cooperation(self, n_china_partners: int) -> np.ndarray:
        """Last year's moves: who cooperated with whom in the documents' present."""
        rel = self.relations
        worlds = [self._initial_world(b, rel.parts[b], self.members[:, self.actors_of(b)],
                                      self.actors.alignment[self.actors_of(b)],
                                      n_china_partners) for b in range(self.n_worlds)]
        return rel.from_worlds(worlds) & ~self.blocked

    def _initial_world(self, b, rel, members, alignment, n_china_partners) -> np.ndarray:
        n = self.world_n
        together = (members[:, rel.src] & members[:, rel.dst]).any(axis=0)
        pairs = np.zeros((n, n), dtype=bool)
        for a, c in self.initial_pairs:
            pairs[a, c] = pairs[c, a] = True
        # 000: "Since 2016, China has made 46 space cooperation agreements with 19
        # different countries and regions." Partners of the ILRS's leader, drawn among
        # non-Artemis, non-major actors, more likely the closer they lean to its camp.
        act = self.actors
        known = np.flatnonzero(act.china_partner[:n])[:n_china_partners]
        if len(known):      # the data world: the partners the record names, the rest drawn
            pairs[self.ilrs_leader, known] = pairs[known, self.ilrs_leader] = True
            n_china_partners -= len(known)
        candidates = np.flatnonzero((act.kind[:n] > 0) & ~members[ARTEMIS]
                                    & ~act.china_partner[:n])
        if (act.kind[:n] == 3).any():
            candidates = candidates[act.china_candidate[candidates]]
        k = min(n_china_partners, len(candidates))
        if k > 0:
            weight = 1.0 - alignment[candidates] + 1e-6
            chosen = self.rngs[b].choice(candidates, size=k, replace=False,
                                         p=weight / weight.sum())
            pairs[self.ilrs_leader, chosen] = pairs[chosen, self.ilrs_leader] = True
        return together | pairs[rel.src, rel.dst]

    def _setup_rules(self, scfg: dict, initial: np.ndarray, actor_cfg: dict) -> None:
        """Each actor's rule: ``strategies.by_actor``, else the actor's own ``strategy``,
        else ``strategies.default``; its state starts from the initial moves."""
        rel, act = self.relations, self.actors
        by_actor = scfg.get("by_actor") or {}
        self.strategy_of = [by_actor.get(name)
                            or (actor_cfg[name].get("strategy") if name in actor_cfg else None)
                            or scfg["default"] for name in self.names]
        trust0 = np.where(initial[rel.rev], self.dyn["initial_trust_cooperating"],
                          self.dyn["initial_trust_other"])
        src_rule = np.array(self.strategy_of, dtype=object)[rel.src % self.world_n]
        self.rule_groups = []
        for name in sorted(set(self.strategy_of)):
            idx = np.flatnonzero(src_rule == name)
            if len(idx) == 0:
                continue
            if len(idx) == len(src_rule):
                idx = slice(None)
            rule = make_rule(name, **((scfg.get("params") or {}).get(name) or {}))
            draws = self.rng if self.n_worlds == 1 else WorldDraws(self, idx)
            state = rule.init(len(rel.src[idx]), draws, Opening(
                mine=initial[idx], theirs=initial[rel.rev][idx], trust=trust0[idx],
                future_weight=act.future_weight[rel.src[idx]]))
            self.rule_groups.append(_RuleGroup(name, rule, idx, state, draws))

    # --- one year -------------------------------------------------------------------

    def stage_games(self) -> StageGames:
        """This year's stage game for every directed relation (:class:`sim.game.payoffs.StageGame`)."""
        return self._stage_games()[1]

    def _stage_games(self) -> tuple[np.ndarray, StageGames]:
        act = self.actors
        return self.stage_game(act.capability, act.alignment, self.partner_alignment,
                               self.members, self.mods)

    def step(self) -> None:
        """One year, as a sequence of named stages (all actors and relations at once)."""
        if not self.running:
            return
        year = self.year
        self._policies(year)                                  # 1. mechanisms act
        self._milestones(year)                                # 2. milestones of the year
        rivalry, games = self._stage_games()                  # 3. stage games (sim.game.payoffs)
        actions = self._choices(games)                        # 4. each rule's moves
        theirs, payoff, mutual = self._realise(actions, games)  # 5. noise, bans, payoffs
        self._learn(actions, theirs, payoff)                  # 6. rules learn
        played = Played(rivalry, actions, mutual)
        for m in self._after:                                 # 7. security spiral
            m.after_choices(self, year, played)
        self._revise_memberships(actions)                     # 8. programme membership
        self._grow(mutual)                                    # 9. growth
        self._record(year, games, actions, mutual)            # 10. the year's tables
        self.year += 1
        self._t += 1
        if self.year > self.horizon:
            self.running = False
            self._release()

    def _policies(self, year: int) -> None:
        self.join_bonus[:] = 0.0
        for m in self._yearly:
            m.on_year(self, year)

    def _milestones(self, year: int) -> None:
        for m in self.milestone_schedule.get(year, ()):
            m.happen(self, year)

    def _choices(self, games: StageGames) -> np.ndarray:
        actions = np.empty(2 * self.relations.E, dtype=bool)
        for g in self.rule_groups:
            g.games = games if isinstance(g.idx, slice) else StageGames(
                games.R[g.idx], games.S[g.idx], games.T[g.idx], games.P[g.idx])
            actions[g.idx] = g.rule.act(g.state, g.games, g.draws)
        return actions

    def _realise(self, actions: np.ndarray, games: StageGames):
        """The trembling hand and the bans (in place on ``actions``); the counterparts'
        moves, each relation's payoff and each pair's mutual cooperation."""
        flips = self._flip_draws.random(actions.shape) if self.noise > 0 else self._no_flips
        return _realise(actions, flips, self.noise, self.blocked, self.relations.rev,
                        games.R, games.S, games.T, games.P, self.relations.E)

    def _learn(self, actions, theirs, payoff) -> None:
        for g in self.rule_groups:
            g.rule.update(g.state, actions[g.idx], theirs[g.idx], payoff[g.idx], g.games)
        self.last_actions = actions

    def _release(self) -> None:
        """The run is over: drop the references Mesa's base class keeps back to the model
        (the step wrapper, its event generator, the scenario), so a finished model is
        freed by reference counting alone, with no garbage collector (a sweep worker
        builds thousands). Stepping a finished model does nothing."""
        self._default_schedule.stop()
        self._default_schedule = None
        self._user_step = None
        self.__dict__.pop("step", None)
        object.__setattr__(self._scenario, "model", None)

    def _revise_memberships(self, actions: np.ndarray) -> None:
        act = self.actors
        shape = (self.members.shape[0], self.world_n)
        draws = self.rng.random(shape) if self.n_worlds == 1 else \
            np.concatenate([g.random(shape) for g in self.rngs], axis=1)
        revising = draws < self.revision_rate
        rule = self.membership_rule
        bonus = self.join_bonus + rule.social(self.members, act.region, act.tie_west,
                                              act.tie_east, self.world_n)
        before = self.members
        self.members = rule.revise(
            self.members, actions, self._to_leader, self.relations.rev, act.capability,
            act.alignment, act.prestige_international, self.attractiveness_worlds, bonus,
            self.eligibility.eligible, self.programme_open, revising, self.world_n,
            self.accession_cost)
        self._limit_seats(before)
        self.joined[self.members & ~before] = self.year
        self.joined[~self.members] = 0

    def _limit_seats(self, before: np.ndarray) -> None:
        """A station signs at most ``seats_per_year`` new seat agreements a year (per
        world), the most capable applicants first."""
        for p, cap in enumerate(self.seats_per_year):
            if cap < 0:
                continue
            new = (self.members[p] & ~before[p]).reshape(self.n_worlds, self.world_n)
            for b in np.flatnonzero(new.sum(axis=1) > cap):
                applicants = np.flatnonzero(new[b])
                c = self.actors.capability[b * self.world_n + applicants]
                refused = applicants[np.argsort(-c, kind="stable")[cap:]]
                self.members[p, b * self.world_n + refused] = False

    def _grow(self, mutual: np.ndarray) -> None:
        """Capability, budget, prestige and alignment after this year's choices."""
        act, rel = self.actors, self.relations
        (act.science, act.capability, act.budget, act.prestige, act.alignment,
         self.partner_alignment) = _grow_kernel(
            rel.i, rel.j, mutual, act.capability, act.budget, act.racing, act.prestige,
            act.alignment, act.prestige_domestic, act.prestige_international, self._growth,
            self._anchors)

    def _record(self, year: int, games: StageGames, actions: np.ndarray, mutual: np.ndarray):
        act, rel, t = self.actors, self.relations, self._t
        self.mutual_history[t] = mutual
        self.action_history[t] = actions
        o = self.outcome_rule
        labels = _year_metrics_worlds(
            self.world_rows[:, t], mutual, actions, self._i_local, self._j_local, self.world_n,
            rel.pair_offset, self.west_anchor, self.east_anchor, o.tie_threshold, o.align,
            self.members, self.membership_rule.side, act.capability, act.alignment, act.racing,
            act.science, self._cross_all, self._cross_offset, self._us_china_pair, games.R,
            games.S, games.T, games.P, ARTEMIS, ILRS)
        k, n_pairs = self._tracked, len(TRACKED_PAIRS)
        ok = k >= 0
        both = actions[k] & actions[rel.rev[k]]
        col = self._tracked_col
        self.world_rows[:, t, col:col + n_pairs] = np.where(ok, both, 0)[:, :n_pairs]
        codes = classify_codes(games.R[k[:, n_pairs:]], games.S[k[:, n_pairs:]],
                               games.T[k[:, n_pairs:]], games.P[k[:, n_pairs:]])
        self.world_rows[:, t, col + n_pairs:col + n_pairs + 2] = np.where(ok[:, n_pairs:],
                                                                          codes, -1)
        if self.record_actors:
            n = act.n
            given = np.bincount(rel.src, actions, n) / np.maximum(np.bincount(rel.src, None, n), 1)
            partners = np.bincount(rel.i, mutual, n) + np.bincount(rel.j, mutual, n)
            self.actor_rows[t] = np.vstack([
                act.capability, act.budget, act.racing, act.prestige, act.alignment,
                act.science, labels, given, partners, *self.members])

    # --- whole run ------------------------------------------------------------------

    def run(self) -> None:
        while self.running:
            self.step()

    def tie_shares(self, world: int = 0) -> np.ndarray:
        """Each of a world's pairs' share of mutually cooperative years in the final
        ``outcome.window`` years (before the first year: last year's moves)."""
        lo, hi = self.pairs_of(world).start, self.pairs_of(world).stop
        done, w = self._t, self.outcome_rule.window
        if not done:
            return self.last_actions[lo:hi].astype(float)
        return self.mutual_history[max(0, done - w):done, lo:hi].mean(axis=0)

    def window_shares(self, world: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each of a world's pairs' shares of the final ``outcome.window`` years in which
        i cooperated toward j, j toward i, and both (before the first year: last year's
        moves)."""
        pairs, E = self.pairs_of(world), self.relations.E
        back = slice(pairs.start + E, pairs.stop + E)
        done, w = self._t, self.outcome_rule.window
        if not done:
            a = self.last_actions
            return (a[pairs].astype(float), a[back].astype(float),
                    (a[pairs] & a[back]).astype(float))
        h = self.action_history[max(0, done - w):done]
        return (h[:, pairs].mean(axis=0), h[:, back].mean(axis=0),
                self.mutual_history[max(0, done - w):done, pairs].mean(axis=0))

    def snapshot(self, world: int = 0) -> WorldSnapshot:
        """A world's final window as the input of :mod:`sim.outcome.camps` and :mod:`sim.outcome.indices`."""
        pairs, own = self.pairs_of(world), self.actors_of(world)
        coop_ij, coop_ji, mutual = self.window_shares(world)
        act = self.actors
        cap = np.maximum(self.racing_cap * act.budget[own], 1e-12)
        return WorldSnapshot(
            names=self.names, capability=act.capability[own], alignment=act.alignment[own],
            i=self._i_local[pairs], j=self._j_local[pairs], coop_ij=coop_ij, coop_ji=coop_ji,
            mutual=mutual, members=self.members[:, own], programme_names=PROGRAMMES,
            programme_side=self.membership_rule.side, racing=act.racing[own], racing_max=cap,
            west=self.names[self.west_anchor], east=self.names[self.east_anchor],
            space_powers=self.space_powers, check=False)

    def outcome(self, world: int = 0) -> dict:
        """Class, indices, roles and network metrics of one world's final window
        (see :mod:`sim.outcome.rule`)."""
        return self.outcome_rule.evaluate(self.snapshot(world))

    def camp_programmes(self, world: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Whether each actor of a world is in any US-led / any China-led programme
        (as 0/1 floats)."""
        side = self.membership_rule.side[:, None]
        members = self.members[:, self.actors_of(world)]
        return ((members & (side > 0)).any(axis=0).astype(float),
                (members & (side < 0)).any(axis=0).astype(float))
