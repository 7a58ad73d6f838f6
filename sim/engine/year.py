"""One year of the model as a sequence of named stages (:meth:`YearStages.step`): mechanisms,
milestones, stage games, choices, realised moves, learning, the security spiral,
memberships, growth, the year's record."""

from __future__ import annotations

import numpy as np

from sim.engine.growth import _grow_worlds
from sim.engine.metrics import _year_metrics_worlds
from sim.engine.moves import _realise_worlds
from sim.game.payoffs import classify_codes
from sim.game.strategies import StageGames
from sim.mechanisms import Played
from sim.mesa.columns import TRACKED_PAIRS
from sim.names import ARTEMIS, ILRS
from sim.outcome.agencies import camp_membership_worlds


class YearStages:
    """The year's stages (a part of :class:`sim.mesa.model.SpaceRaceModel`).

    Every array has the world axis first (B worlds side by side; one world is B = 1):
    per actor (B, n), per directed relation (B, 2E), per pair (B, E), memberships
    (B, programme, n). Each stage is written for one world's semantics; the compiled
    kernels run it world by world."""

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
        """Each rule's moves. A rule sees its relations of every world as one flat array
        (world by world), the shape it has in a two-player match."""
        actions = np.empty(games.R.shape, dtype=bool)
        for g in self.rule_groups:
            g.games = StageGames(*(x[:, g.idx].reshape(-1) for x in (games.R, games.S,
                                                                     games.T, games.P)))
            actions[:, g.idx] = g.rule.act(g.state, g.games, self.draws).reshape(self.n_worlds, -1)
        return actions

    def _realise(self, actions: np.ndarray, games: StageGames):
        """The trembling hand and the bans (in place on ``actions``); the counterparts'
        moves, each relation's payoff and each pair's mutual cooperation."""
        flips = self.draws.random(actions.shape) if self.noise > 0 else self._no_flips
        return _realise_worlds(actions, flips, self.noise, self.blocked, self.relations.rev,
                               games.R, games.S, games.T, games.P, self.relations.E)

    def _learn(self, actions, theirs, payoff) -> None:
        for g in self.rule_groups:
            g.rule.update(g.state, actions[:, g.idx].reshape(-1), theirs[:, g.idx].reshape(-1),
                          payoff[:, g.idx].reshape(-1), g.games)
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
        revising = self.draws.random(self.members.shape) < self.revision_rate[:, None, :]
        rule = self.membership_rule
        bonus = self.join_bonus + rule.social(self.members, act.region, act.tie_west,
                                              act.tie_east)
        before = self.members
        relation = rule.leader_relation(actions, self._to_leader, self.relations.rev)
        self.talks = rule.seat_talks(self.talks, relation, self.eligible)
        self.members = rule.revise(
            self.members, relation, act.capability, act.alignment, act.prestige_international,
            self.attractiveness, bonus, self.eligibility.eligible, self.programme_open,
            revising, self.accession_cost, self.talks >= self.seat_years[:, None])
        self._limit_seats(before)
        self.joined[self.members & ~before] = self.year
        self.joined[~self.members] = 0

    def _limit_seats(self, before: np.ndarray) -> None:
        """A station signs at most ``seats_per_year`` new seat agreements a year, the most
        capable applicants first."""
        for p, cap in enumerate(self.seats_per_year):
            if cap < 0:
                continue
            new = self.members[:, p] & ~before[:, p]
            for b in np.flatnonzero(new.sum(axis=1) > cap):
                applicants = np.flatnonzero(new[b])
                c = self.actors.capability[b, applicants]
                refused = applicants[np.argsort(-c, kind="stable")[cap:]]
                self.members[b, p, refused] = False

    def _grow(self, mutual: np.ndarray) -> None:
        """Capability, budget, prestige and alignment after this year's choices."""
        act, rel = self.actors, self.relations
        (act.science, act.capability, act.budget, act.prestige, act.alignment,
         self.partner_alignment) = _grow_worlds(
            rel.i, rel.j, mutual, act.capability, act.budget, act.racing, act.prestige,
            act.alignment, act.prestige_domestic, act.prestige_international, self._growth,
            self._anchors, self.productivity)

    def _record(self, year: int, games: StageGames, actions: np.ndarray, mutual: np.ndarray):
        act, rel, t = self.actors, self.relations, self._t
        self.mutual_history[:, t] = mutual
        self.action_history[:, t] = actions
        o = self.outcome_rule
        labels = _year_metrics_worlds(
            self.world_rows, t, mutual, actions, rel.i, rel.j, self.world_n,
            self.west_anchor, self.east_anchor, o.tie_threshold, o.align, self.members,
            camp_membership_worlds(self.members, act.capability, self._agency_of),
            self.membership_rule.side, act.capability, act.alignment, act.racing,
            act.science, self._cross, self._us_china_pair, games.R, games.S, games.T, games.P,
            ARTEMIS, ILRS)
        k, n_pairs = self._tracked, len(TRACKED_PAIRS)
        ok = k >= 0
        both = actions[:, k] & actions[:, rel.rev[k]]
        col = self._tracked_col
        self.world_rows[:, t, col:col + n_pairs] = np.where(ok, both, 0)[:, :n_pairs]
        games_k = [x[:, k[n_pairs:]] for x in (games.R, games.S, games.T, games.P)]
        self.world_rows[:, t, col + n_pairs:col + n_pairs + 2] = np.where(
            ok[n_pairs:], classify_codes(*games_k), -1)
        if self.record_actors:
            n, a, m = self.world_n, actions[0], mutual[0]
            given = np.bincount(rel.src, a, n) / np.maximum(np.bincount(rel.src, None, n), 1)
            partners = np.bincount(rel.i, m, n) + np.bincount(rel.j, m, n)
            self.actor_rows[t] = np.vstack([
                act.capability[0], act.budget[0], act.racing[0], act.prestige[0],
                act.alignment[0], act.science[0], labels[0], given, partners,
                *self.members[0]])
