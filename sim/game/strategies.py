"""Decision rules: one small class per rule, each vectorised over many relations.

Every rule decides, for a batch of ``n`` directed relations (an actor facing one
counterpart), whether to **cooperate** (``True``) or **compete** (``False``).
The same rule objects drive the many-actor model (``n`` = number of relations
that actors with this rule hold) and the two-player iterated game in
:mod:`sim.game.match` (``n`` = 1), so there is exactly one implementation of each rule.

A rule's life cycle, per batch::

    state = rule.init(n, rng, opening)               # once (opening: None or an Opening);
                                                     # a rule adds its own_state
    coop  = rule.act(state, game, rng)               # every round
    rule.update(state, coop, their_coop, payoff, game)  # every round, after the moves

``game`` is a :class:`StageGames` with the per-relation payoffs ``R, S, T, P``
(numpy arrays of length ``n``); deterministic rules ignore it.

In a match (:func:`sim.game.match.play_match`) a rule starts with no history
(``opening=None``): its first move is its opening move. In the model the documented
start is last year's moves, so a rule starts from an :class:`Opening` (those moves,
the initial trust and the deciding actor's own shadow of the future) as if it had
played one round already. Nothing else differs: the model never changes a rule's state.

Like Axelrod-Python, each rule carries a ``classifier`` dict that says what it
is (memory depth, stochastic or not, whether it reads the payoffs).
Sources: the canonical rules are the ones of Axelrod's tournaments (Axelrod,
*The Evolution of Cooperation*, 1984; Nowak & Sigmund, *Nature* 364, 1993, for
win-stay-lose-shift); the adaptive rules are Roth & Erev (*Games and Economic
Behavior* 8, 1995), Bush & Mosteller (*Stochastic Models for Learning*, 1955;
in the aspiration form of Macy & Flache, *PNAS* 99, 2002), and the logit
(quantal) response of McKelvey & Palfrey (*GEB* 10, 1995).
"""

from __future__ import annotations

from dataclasses import dataclass, is_dataclass
from typing import ClassVar

import numpy as np

from sim._jit import njit
from sim.config.params import declared, param

State = dict[str, np.ndarray]


@dataclass(frozen=True, slots=True)
class StageGames:
    """Per-relation stage-game payoffs to the deciding actor (arrays of length n)."""

    R: np.ndarray
    S: np.ndarray
    T: np.ndarray
    P: np.ndarray

    @classmethod
    def constant(cls, n: int, R: float, S: float, T: float, P: float) -> StageGames:
        full = lambda v: np.full(n, float(v))  # noqa: E731
        return cls(full(R), full(S), full(T), full(P))


@dataclass(frozen=True)
class Opening:
    """What a rule knows before its first move in the model (arrays of length n): its
    own and the counterpart's moves of last year, the believed probability that the
    counterpart cooperates (None: the rule's own ``initial_trust``), and the deciding
    actor's weight on the future (None: the rule's own ``future_weight``)."""

    mine: np.ndarray
    theirs: np.ndarray
    trust: np.ndarray | None = None
    future_weight: np.ndarray | None = None


#: the classifier of the learning rules: they remember every round, draw, read payoffs
LEARNING = {"memory_depth": float("inf"), "stochastic": True, "uses_payoffs": True}


class Rule:
    """Base class. Subclasses set ``name`` and ``classifier`` and override ``act``."""

    name: ClassVar[str] = ""
    classifier: ClassVar[dict] = {}

    @classmethod
    def param_ranges(cls) -> dict[str, tuple[float, float]]:
        """The declared range of each parameter (rules with parameters are dataclasses
        whose fields are declared with :func:`sim.config.params.param`)."""
        return {k: (f.metadata["lo"], f.metadata["hi"])
                for k, f in (declared(cls) if is_dataclass(cls) else [])}

    def init(self, n: int, rng: np.random.Generator, opening: Opening | None = None) -> State:
        """The state before the first move: no history, or the ``opening``'s (one round
        played)."""
        if opening is None:
            state = {"turn": np.zeros(n, dtype=np.int64), "my_last": np.ones(n, dtype=bool),
                     "their_last": np.ones(n, dtype=bool)}
        else:
            state = {"turn": np.ones(n, dtype=np.int64),
                     "my_last": np.array(opening.mine, dtype=bool),
                     "their_last": np.array(opening.theirs, dtype=bool)}
        state.update(self.own_state(n, opening))
        return state

    def own_state(self, n: int, opening: Opening | None) -> State:
        """The rule's own state variables at the start (besides the moves)."""
        return {}

    def act(self, state: State, game: StageGames, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def update(self, state: State, mine: np.ndarray, theirs: np.ndarray,
               payoff: np.ndarray, game: StageGames) -> None:
        state["turn"] += 1
        state["my_last"] = mine.copy()
        state["their_last"] = theirs.copy()

    def __repr__(self) -> str:       # rules with parameters are dataclasses (their repr)
        return f"{type(self).__name__}()"


# --- deterministic, classic rules ---------------------------------------------------

class AlwaysCooperate(Rule):
    """Cooperates every round."""

    name = "always_cooperate"
    classifier = {"memory_depth": 0, "stochastic": False, "uses_payoffs": False}

    def act(self, state, game, rng):
        return np.ones(state["turn"].shape, dtype=bool)


class AlwaysCompete(Rule):
    """Competes (defects) every round."""

    name = "always_compete"
    classifier = {"memory_depth": 0, "stochastic": False, "uses_payoffs": False}

    def act(self, state, game, rng):
        return np.zeros(state["turn"].shape, dtype=bool)


class TitForTat(Rule):
    """Cooperates first, then copies the counterpart's previous move."""

    name = "tit_for_tat"
    classifier = {"memory_depth": 1, "stochastic": False, "uses_payoffs": False}

    def act(self, state, game, rng):
        return (state["turn"] == 0) | state["their_last"]


class GrimTrigger(Rule):
    """Cooperates until the counterpart competes once, then competes forever."""

    name = "grim_trigger"
    classifier = {"memory_depth": float("inf"), "stochastic": False, "uses_payoffs": False}

    def own_state(self, n, opening):
        return {"triggered": np.zeros(n, dtype=bool)}

    def act(self, state, game, rng):
        return ~state["triggered"]

    def update(self, state, mine, theirs, payoff, game):
        super().update(state, mine, theirs, payoff, game)
        state["triggered"] |= ~theirs


class WinStayLoseShift(Rule):
    """Pavlov: cooperates first; repeats its move after R or T, switches after S or P.

    Equivalently it cooperates exactly when both players made the same move last round.
    """

    name = "win_stay_lose_shift"
    classifier = {"memory_depth": 1, "stochastic": False, "uses_payoffs": False}

    def act(self, state, game, rng):
        return (state["turn"] == 0) | (state["my_last"] == state["their_last"])


class Alternate(Rule):
    """Cooperates on the first round, then plays the opposite of its own last move
    (Axelrod's Alternator): C, D, C, D, ... in a match; in the model it starts from
    the opposite of last year's documented move."""

    name = "alternate"
    classifier = {"memory_depth": 1, "stochastic": False, "uses_payoffs": False}

    def act(self, state, game, rng):
        return (state["turn"] == 0) | ~state["my_last"]


# --- stochastic classic rule -----------------------------------------------------------

@dataclass(eq=False)
class GenerousTitForTat(Rule):
    """Tit for tat that forgives a competing move with probability ``generosity``.

    The default generosity is Nowak & Sigmund's (1992) ``min(1 - (T-R)/(R-S), (R-P)/(T-P))``,
    computed from each relation's own payoffs (1/3 for R=3, S=0, T=5, P=1) and
    clipped to [0, 1]; a number overrides it.
    """

    name = "generous_tit_for_tat"
    classifier = {"memory_depth": 1, "stochastic": True, "uses_payoffs": True}
    generosity: float | None = param(None, lo=0.0, hi=1.0, doc="chance to forgive (None: "
                                     "Nowak & Sigmund's, from the payoffs)")

    def _generosity(self, game: StageGames) -> np.ndarray | float:
        if self.generosity is not None:
            return self.generosity
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g = np.minimum(1 - (game.T - game.R) / (game.R - game.S),
                           (game.R - game.P) / (game.T - game.P))
        return np.clip(np.nan_to_num(g, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)

    def act(self, state, game, rng):
        forgive = rng.random(state["turn"].shape) < self._generosity(game)
        return (state["turn"] == 0) | state["their_last"] | forgive


# --- adaptive rules for the many-actor world -----------------------------------------

@dataclass(eq=False)
class NoisyBestResponse(Rule):
    """Logit best response to expected payoffs, with a memory of trust.

    ``trust`` is the believed probability that the counterpart cooperates; it starts
    at ``initial_trust`` (or at the value the model seeds from the documented
    initial relations) and moves toward each observed move with weight ``memory``
    (an exponentially weighted average). Expected payoffs are
    ``EU_C = trust*R + (1-trust)*S`` and ``EU_D = trust*T + (1-trust)*P``; a
    ``future_weight`` w (None: the deciding actor's own, from the :class:`Opening`, 0 in a
    match) adds ``w*trust*(R-P)``, the value of keeping a reciprocating
    partner (the shadow of the future). The rule cooperates with probability
    ``1 / (1 + exp(-rationality * (EU_C - EU_D) / stakes))``, where ``stakes`` is the
    game's mean absolute payoff ``(|R|+|S|+|T|+|P|)/4``: a small state weighs its small
    stakes as seriously as a great power weighs its large ones, so ``rationality`` is a
    pure number.
    """

    name = "noisy_best_response"
    classifier = LEARNING
    rationality: float = param(4.0, lo=0.0, hi=1e6, doc="logit precision (scale-free)")
    memory: float = param(0.3, lo=0.0, hi=1.0, doc="weight of the latest move in trust")
    initial_trust: float = param(0.5, lo=0.0, hi=1.0, doc="trust before any move")
    future_weight: float | None = param(None, lo=0.0, hi=1e6,
                                        doc="shadow of the future (None: the actor's own)")

    def own_state(self, n, opening):
        has = lambda field: opening is not None and getattr(opening, field) is not None  # noqa: E731
        weight = self.future_weight
        if weight is None:
            weight = opening.future_weight if has("future_weight") else 0.0
        return {"trust": (np.array(opening.trust, dtype=float) if has("trust")
                          else np.full(n, float(self.initial_trust))),
                "future_weight": np.broadcast_to(np.asarray(weight, dtype=float), (n,)).copy()}

    def cooperation_probability(self, state: State, game: StageGames) -> np.ndarray:
        return _logit_response(state["trust"], state["future_weight"], game.R, game.S, game.T,
                               game.P, float(self.rationality))

    def act(self, state, game, rng):
        return rng.random(state["trust"].shape) < self.cooperation_probability(state, game)

    def update(self, state, mine, theirs, payoff, game):
        super().update(state, mine, theirs, payoff, game)
        _move_toward(state["trust"], theirs, float(self.memory))


@njit(no_zero_division=True)   # divisors: max(stakes, 1e-12) and 1 + exp(-x) >= 1
def _logit_response(trust, future_weight, R, S, T, P, rationality):
    out = np.empty(len(trust))
    for k in range(len(trust)):
        p = trust[k]
        advantage = (p * (R[k] - T[k]) + (1 - p) * (S[k] - P[k])
                     + future_weight[k] * p * (R[k] - P[k]))
        # stakes: the game's mean absolute payoff, so rationality is scale-free
        stakes = (abs(R[k]) + abs(S[k]) + abs(T[k]) + abs(P[k])) / 4.0
        x = min(50.0, max(-50.0, rationality * advantage / max(stakes, 1e-12)))
        # beyond 37, 1 + exp(-x) rounds to 1: skip the exp (same result, bit for bit)
        out[k] = 1.0 if x > 37.0 else 1.0 / (1.0 + np.exp(-x))
    return out


@njit
def _move_toward(trust, observed, memory):
    """trust += memory * (observed - trust), in place."""
    for k in range(len(trust)):
        trust[k] += memory * (observed[k] - trust[k])


@dataclass(eq=False)
class RothErev(Rule):
    """Roth–Erev reinforcement: propensities grow with the payoff an action earned.

    Payoffs are shifted by the relation's worst payoff so reinforcements are >= 0;
    propensities decay by ``forgetting`` each round; the rule cooperates with
    probability ``q_C / (q_C + q_D)``.
    """

    name = "roth_erev"
    classifier = LEARNING
    initial_propensity: float = param(1.0, lo=0.0, hi=1e6, doc="starting propensity of each move")
    forgetting: float = param(0.1, lo=0.0, hi=1.0, doc="share of propensity lost per round")

    def own_state(self, n, opening):
        q = np.full(n, float(self.initial_propensity))
        return {"q_coop": q, "q_comp": q.copy()}

    def act(self, state, game, rng):
        total = state["q_coop"] + state["q_comp"]
        return rng.random(total.shape) * total < state["q_coop"]

    def update(self, state, mine, theirs, payoff, game):
        super().update(state, mine, theirs, payoff, game)
        worst = np.minimum(np.minimum(game.R, game.S), np.minimum(game.T, game.P))
        reward = payoff - worst
        keep = 1.0 - self.forgetting
        state["q_coop"] = keep * state["q_coop"] + np.where(mine, reward, 0.0)
        state["q_comp"] = keep * state["q_comp"] + np.where(mine, 0.0, reward)
        # keep propensities strictly positive so the choice probability is defined
        np.maximum(state["q_coop"], 1e-9, out=state["q_coop"])
        np.maximum(state["q_comp"], 1e-9, out=state["q_comp"])


@dataclass(eq=False)
class BushMosteller(Rule):
    """Bush–Mosteller aspiration learning.

    The stimulus ``s = (payoff - A) / max|x - A|`` (x over R, S, T, P; A the
    aspiration, the mean of the four payoffs) reinforces the action just taken when
    positive and weakens it when negative, with learning rate ``learning_rate``.
    """

    name = "bush_mosteller"
    classifier = LEARNING
    initial_probability: float = param(0.5, lo=0.0, hi=1.0, doc="starting chance to cooperate")
    learning_rate: float = param(0.3, lo=0.0, hi=1.0, doc="step toward the rewarded move")

    def own_state(self, n, opening):
        return {"p_coop": np.full(n, float(self.initial_probability))}

    def act(self, state, game, rng):
        return rng.random(state["p_coop"].shape) < state["p_coop"]

    def update(self, state, mine, theirs, payoff, game):
        super().update(state, mine, theirs, payoff, game)
        aspiration = (game.R + game.S + game.T + game.P) / 4.0
        spread = np.maximum.reduce([np.abs(game.R - aspiration), np.abs(game.S - aspiration),
                                    np.abs(game.T - aspiration), np.abs(game.P - aspiration)])
        stimulus = np.clip((payoff - aspiration) / np.where(spread > 0, spread, 1.0), -1, 1)
        p = state["p_coop"]
        lr = self.learning_rate * stimulus
        # probability of the action taken moves toward 1 (reward) or 0 (punishment)
        p_taken = np.where(mine, p, 1 - p)
        p_taken = np.where(stimulus >= 0, p_taken + lr * (1 - p_taken), p_taken + lr * p_taken)
        state["p_coop"] = np.clip(np.where(mine, p_taken, 1 - p_taken), 0.0, 1.0)


RULES: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in (AlwaysCooperate, AlwaysCompete, TitForTat, GrimTrigger, WinStayLoseShift,
                GenerousTitForTat, Alternate, NoisyBestResponse, RothErev, BushMosteller)
}


def make_rule(spec: str | Rule, **params) -> Rule:
    """A rule object from a name (with optional parameters) or an existing rule."""
    if isinstance(spec, Rule):
        return spec
    try:
        cls = RULES[spec]
    except KeyError:
        raise ValueError(
            f"unknown strategy {spec!r}; allowed: {', '.join(sorted(RULES))}") from None
    return cls(**params)
