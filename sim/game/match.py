"""The two-player iterated game, played by the same rule objects the model uses.

>>> play_match("tit_for_tat", "always_compete", turns=3).scores
(2.0, 7.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.game.strategies import Rule, StageGames, make_rule

#: Axelrod's canonical prisoner's dilemma, in the order (R, S, T, P).
DEFAULT_PAYOFFS = (3.0, 0.0, 5.0, 1.0)


@dataclass(frozen=True)
class MatchResult:
    """Total score of each player and the moves, as ``("C"|"D", "C"|"D")`` per turn."""

    scores: tuple[float, float]
    history: list[tuple[str, str]]

    @property
    def actions(self) -> tuple[str, str]:
        """Each player's moves as a string, e.g. ``("CDDD", "DDDD")``."""
        return ("".join(a for a, _ in self.history), "".join(b for _, b in self.history))


def play_match(rule_a: str | Rule, rule_b: str | Rule, turns: int,
               payoffs: tuple[float, float, float, float] = DEFAULT_PAYOFFS,
               seed: int | None = None, noise: float = 0.0) -> MatchResult:
    """Play ``turns`` rounds of the symmetric 2x2 game ``payoffs = (R, S, T, P)``.

    Rules are given as names (see :data:`sim.game.strategies.RULES`) or rule objects.
    ``noise`` flips each move with that probability (a trembling hand).
    All randomness comes from ``numpy.random.default_rng(seed)``.
    """
    if turns < 0:
        raise ValueError(f"turns={turns!r}: must be >= 0")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise={noise!r}: must be a probability in [0, 1]")
    a, b = make_rule(rule_a), make_rule(rule_b)
    R, S, T, P = (float(x) for x in payoffs)
    rng = np.random.default_rng(seed)
    game = StageGames.constant(1, R, S, T, P)
    table = {(True, True): (R, R), (True, False): (S, T),
             (False, True): (T, S), (False, False): (P, P)}
    state_a, state_b = a.init(1, rng), b.init(1, rng)
    score_a = score_b = 0.0
    history: list[tuple[str, str]] = []
    for _ in range(turns):
        move_a = a.act(state_a, game, rng)
        move_b = b.act(state_b, game, rng)
        if noise:
            move_a = move_a ^ (rng.random(1) < noise)
            move_b = move_b ^ (rng.random(1) < noise)
        pay_a, pay_b = table[(bool(move_a[0]), bool(move_b[0]))]
        score_a += pay_a
        score_b += pay_b
        a.update(state_a, move_a, move_b, np.array([pay_a]), game)
        b.update(state_b, move_b, move_a, np.array([pay_b]), game)
        history.append(("C" if move_a[0] else "D", "C" if move_b[0] else "D"))
    return MatchResult((score_a, score_b), history)
