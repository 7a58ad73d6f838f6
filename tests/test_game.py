"""The two-player iterated game :func:`sim.game.match.play_match`.

Canonical totals are derived by hand in the comments: each turn's pair of moves maps to
(R, R), (S, T), (T, S) or (P, P), and a 10-turn match sums them.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.game.match import DEFAULT_PAYOFFS, MatchResult, play_match
from sim.game.strategies import AlwaysCompete, GenerousTitForTat, TitForTat, WinStayLoseShift

DETERMINISTIC = ("always_cooperate", "always_compete", "tit_for_tat", "grim_trigger",
                 "win_stay_lose_shift", "alternate")
PD = (3.0, 0.0, 5.0, 1.0)             # (R, S, T, P)
CHICKEN = (3.0, 1.0, 5.0, 0.0)
STAG_HUNT = (5.0, 0.0, 3.0, 1.0)

# Iterated prisoner's dilemma, 10 turns, (R, S, T, P) = (3, 0, 5, 1).
PD_CASES = [
    # TFT: C D D D D D D D D D vs ALLD: S + 9P = 9;  T + 9P = 14
    ("tit_for_tat", "always_compete", (9.0, 14.0)),
    # mutual cooperation: 10R = 30 each
    ("tit_for_tat", "tit_for_tat", (30.0, 30.0)),
    # 10 x (S, T)
    ("always_cooperate", "always_compete", (0.0, 50.0)),
    # mutual defection: 10P = 10 each
    ("always_compete", "always_compete", (10.0, 10.0)),
    # grim CCDDDDDDDD vs alt CDCDCDCDCD: CC, CD, then 4 x DC and 4 x DD
    #   grim 3 + 0 + 4*5 + 4*1 = 27;  alt 3 + 5 + 4*0 + 4*1 = 12
    ("grim_trigger", "alternate", (27.0, 12.0)),
    # grim CDDDDDDDDD vs ALLD: same as TFT vs ALLD
    ("grim_trigger", "always_compete", (9.0, 14.0)),
    # WSLS CDCDCDCDCD vs ALLD: 5 x (S, T) and 5 x (P, P): 0 + 5 = 5;  25 + 5 = 30
    ("win_stay_lose_shift", "always_compete", (5.0, 30.0)),
    # alt vs alt: 5 x CC and 5 x DD: 15 + 5 = 20 each
    ("alternate", "alternate", (20.0, 20.0)),
    # TFT CCDCDCDCDC vs alt CDCDCDCDCD: CC, then 5 x CD (turns 1,3,5,7,9) and 4 x DC
    #   TFT 3 + 0 + 4*5 = 23;  alt 3 + 5*5 + 0 = 28
    ("tit_for_tat", "alternate", (23.0, 28.0)),
    # WSLS CCDDCCDDCC vs alt CDCDCDCDCD: CC CD DC DD CC CD DC DD CC CD
    #   WSLS 3+0+5+1+3+0+5+1+3+0 = 21;  alt 3+5+0+1+3+5+0+1+3+5 = 26
    ("win_stay_lose_shift", "alternate", (21.0, 26.0)),
    # ALLC vs alt: 5 x CC and 5 x CD: 15 + 0 = 15;  15 + 25 = 40
    ("always_cooperate", "alternate", (15.0, 40.0)),
    # WSLS vs WSLS: mutual cooperation throughout
    ("win_stay_lose_shift", "win_stay_lose_shift", (30.0, 30.0)),
]


@pytest.mark.parametrize("a, b, scores", PD_CASES, ids=[f"{a}-vs-{b}" for a, b, _ in PD_CASES])
def test_canonical_prisoners_dilemma_totals(a, b, scores):
    result = play_match(a, b, 10)
    assert result.scores == scores
    assert len(result.history) == 10


def test_default_payoffs_are_axelrods():
    assert DEFAULT_PAYOFFS == PD
    assert play_match("tit_for_tat", "always_compete", 10, PD).scores == \
        play_match("tit_for_tat", "always_compete", 10).scores


def test_docstring_example():
    # TFT C D D vs ALLD D D D: 0 + 1 + 1 = 2;  5 + 1 + 1 = 7
    assert play_match("tit_for_tat", "always_compete", turns=3).scores == (2.0, 7.0)


@pytest.mark.parametrize("a, b", list(itertools.product(DETERMINISTIC, repeat=2)))
def test_swapping_players_swaps_scores_and_moves(a, b):
    ab, ba = play_match(a, b, 17), play_match(b, a, 17)
    assert ab.scores == ba.scores[::-1]
    assert ab.actions == ba.actions[::-1]


CHICKEN_CASES = [
    # (R, S, T, P) = (3, 1, 5, 0)
    # TFT CDDDDDDDDD vs ALLD: S + 9P = 1;  T + 9P = 5
    ("tit_for_tat", "always_compete", (1.0, 5.0)),
    # 10 x (S, T) = (10, 50)
    ("always_cooperate", "always_compete", (10.0, 50.0)),
    # alt vs alt: 5R + 5P = 15 each
    ("alternate", "alternate", (15.0, 15.0)),
    # WSLS CDCD.. vs ALLD: 5S + 5P = 5;  5T + 5P = 25
    ("win_stay_lose_shift", "always_compete", (5.0, 25.0)),
    # TFT vs alt: CC + 5 x CD + 4 x DC: 3 + 5 + 20 = 28;  3 + 25 + 4 = 32
    ("tit_for_tat", "alternate", (28.0, 32.0)),
]

STAG_CASES = [
    # (R, S, T, P) = (5, 0, 3, 1)
    ("tit_for_tat", "tit_for_tat", (50.0, 50.0)),
    # TFT vs ALLD: S + 9P = 9;  T + 9P = 3 + 9 = 12
    ("tit_for_tat", "always_compete", (9.0, 12.0)),
    # grim vs alt: CC, CD, 4 x DC, 4 x DD: 5 + 0 + 12 + 4 = 21;  5 + 3 + 0 + 4 = 12
    ("grim_trigger", "alternate", (21.0, 12.0)),
    # ALLC vs alt: 5 x CC, 5 x CD: 25 + 0 = 25;  25 + 15 = 40
    ("always_cooperate", "alternate", (25.0, 40.0)),
]


@pytest.mark.parametrize("a, b, scores", CHICKEN_CASES)
def test_chicken_totals(a, b, scores):
    assert play_match(a, b, 10, CHICKEN).scores == scores


@pytest.mark.parametrize("a, b, scores", STAG_CASES)
def test_stag_hunt_totals(a, b, scores):
    assert play_match(a, b, 10, STAG_HUNT).scores == scores


def _score_from_history(result: MatchResult, payoffs):
    R, S, T, P = payoffs
    table = {("C", "C"): (R, R), ("C", "D"): (S, T), ("D", "C"): (T, S), ("D", "D"): (P, P)}
    return (sum(table[h][0] for h in result.history), sum(table[h][1] for h in result.history))


@settings(max_examples=30, deadline=None)
@given(a=st.sampled_from(DETERMINISTIC + ("generous_tit_for_tat", "noisy_best_response",
                                          "roth_erev", "bush_mosteller")),
       b=st.sampled_from(DETERMINISTIC + ("generous_tit_for_tat", "roth_erev")),
       turns=st.integers(0, 40), seed=st.integers(0, 10**6), noise=st.floats(0, 1),
       payoffs=st.tuples(*[st.integers(-5, 5)] * 4))
def test_scores_are_the_sum_of_the_history(a, b, turns, seed, noise, payoffs):
    result = play_match(a, b, turns, payoffs, seed=seed, noise=noise)
    assert len(result.history) == turns
    assert result.scores == pytest.approx(_score_from_history(result, payoffs))
    assert all(x in "CD" for x in result.actions[0] + result.actions[1])


@pytest.mark.parametrize("a, b", [("generous_tit_for_tat", "alternate"),
                                  ("roth_erev", "bush_mosteller"),
                                  ("noisy_best_response", "tit_for_tat")])
def test_same_seed_same_history(a, b):
    first = play_match(a, b, 200, seed=123, noise=0.05)
    second = play_match(a, b, 200, seed=123, noise=0.05)
    assert first.history == second.history
    assert first.scores == second.scores
    other = play_match(a, b, 200, seed=124, noise=0.05)
    assert other.history != first.history


@pytest.mark.parametrize("noise", [-0.1, 1.5, float("nan")])
def test_noise_outside_unit_interval_rejected(noise):
    with pytest.raises(ValueError, match="noise"):
        play_match("tit_for_tat", "tit_for_tat", 5, noise=noise)


def test_noise_one_flips_every_move():
    # with noise = 1 every move is flipped: two cooperators always compete -> 10P each
    result = play_match("always_cooperate", "always_cooperate", 10, noise=1.0, seed=0)
    assert result.actions == ("D" * 10, "D" * 10)
    assert result.scores == (10.0, 10.0)


def test_noise_zero_and_bounds_accepted():
    assert play_match("tit_for_tat", "tit_for_tat", 5, noise=0.0).scores == (15.0, 15.0)
    play_match("tit_for_tat", "tit_for_tat", 5, noise=1.0, seed=1)


def test_zero_turns_gives_empty_history():
    result = play_match("tit_for_tat", "always_compete", 0)
    assert result.history == []
    assert result.actions == ("", "")
    assert result.scores == (0.0, 0.0)


def test_negative_turns_rejected():
    with pytest.raises(ValueError, match="turns"):
        play_match("tit_for_tat", "tit_for_tat", -1)


def test_unknown_rule_name_rejected():
    with pytest.raises(ValueError, match="allowed"):
        play_match("tit_for_tat", "nope", 3)


def test_rules_given_as_objects():
    assert play_match(TitForTat(), AlwaysCompete(), 10).scores == (9.0, 14.0)
    assert play_match(WinStayLoseShift(), "alternate", 10).actions == \
        ("CCDDCCDDCC", "CDCDCDCDCD")
    # a rule object with parameters: generosity 0 plays exactly tit for tat
    assert play_match(GenerousTitForTat(generosity=0.0), "alternate", 10, seed=5).scores == \
        (23.0, 28.0)


def test_a_rule_object_can_play_itself():
    # each side gets its own state, so one object can sit on both sides
    rule = TitForTat()
    assert play_match(rule, rule, 10).scores == (30.0, 30.0)
