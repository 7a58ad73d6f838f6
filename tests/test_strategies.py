"""The decision rules of :mod:`sim.game.strategies`.

Classic rules are checked Axelrod-Python style: each rule against fixed opponents with
the exact expected sequence of moves (worked out by hand in the comments). Adaptive
rules are checked with property tests (shapes, ranges, limits).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.game.match import play_match
from sim.game.payoffs import classify
from sim.game.strategies import (RULES, AlwaysCompete, AlwaysCooperate, BushMosteller,
                            GenerousTitForTat, NoisyBestResponse, RothErev, Rule, StageGames,
                            TitForTat, make_rule)

CLASSIC = ("always_cooperate", "always_compete", "tit_for_tat", "grim_trigger",
           "win_stay_lose_shift", "generous_tit_for_tat", "alternate")
DETERMINISTIC = tuple(r for r in CLASSIC if r != "generous_tit_for_tat")
ADAPTIVE = ("noisy_best_response", "roth_erev", "bush_mosteller")


class Cycler(Rule):
    """Test opponent: plays a fixed pattern of moves ("C"/"D"), repeating it."""

    name = "cycler"
    classifier = {"memory_depth": 0, "stochastic": False, "uses_payoffs": False}

    def __init__(self, pattern: str):
        self.pattern = np.array([m == "C" for m in pattern])

    def act(self, state, game, rng):
        return self.pattern[state["turn"] % len(self.pattern)]

    def __repr__(self):
        return "Cycler(" + "".join("C" if m else "D" for m in self.pattern) + ")"


# An irregular opponent that exercises every outcome (CC, CD, DC, DD) for the responder:
#   turn:  0 1 2 3 4 5 6 7 8 9
#   move:  C C D C D D C C C D
IRREGULAR = "CCDCDDCCCD"
# Cooperates except for a single late defection in turn 7.
LATE_DEFECTOR = "CCCCCCCDCC"

TURNS = 10

# (rule, opponent, expected moves of the rule, expected moves of the opponent)
EXPECTED = [
    # always_cooperate: C whatever the opponent does.
    ("always_cooperate", "always_cooperate", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("always_cooperate", "always_compete", "CCCCCCCCCC", "DDDDDDDDDD"),
    ("always_cooperate", "tit_for_tat", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("always_cooperate", "alternate", "CCCCCCCCCC", "CDCDCDCDCD"),
    ("always_cooperate", IRREGULAR, "CCCCCCCCCC", IRREGULAR),
    # always_compete: D whatever the opponent does; TFT answers C then copies D.
    ("always_compete", "always_cooperate", "DDDDDDDDDD", "CCCCCCCCCC"),
    ("always_compete", "always_compete", "DDDDDDDDDD", "DDDDDDDDDD"),
    ("always_compete", "tit_for_tat", "DDDDDDDDDD", "CDDDDDDDDD"),
    ("always_compete", IRREGULAR, "DDDDDDDDDD", IRREGULAR),
    # tit_for_tat: C in turn 0, then the opponent's previous move, i.e. "C" + opp[:-1].
    #   vs alternate CDCDCDCDCD -> C + CDCDCDCDC = CCDCDCDCDC
    #   vs IRREGULAR CCDCDDCCCD -> C + CCDCDDCCC = CCCDCDDCCC
    ("tit_for_tat", "always_cooperate", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("tit_for_tat", "always_compete", "CDDDDDDDDD", "DDDDDDDDDD"),
    ("tit_for_tat", "tit_for_tat", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("tit_for_tat", "alternate", "CCDCDCDCDC", "CDCDCDCDCD"),
    ("tit_for_tat", IRREGULAR, "CCCDCDDCCC", IRREGULAR),
    ("tit_for_tat", LATE_DEFECTOR, "CCCCCCCCDC", LATE_DEFECTOR),
    # grim_trigger: C until the opponent's first D (turn k), then D from turn k+1 on.
    #   vs always_compete: first D in turn 0 -> CDDDDDDDDD
    #   vs alternate: first D in turn 1 -> CCDDDDDDDD
    #   vs IRREGULAR: first D in turn 2 -> CCCDDDDDDD
    #   vs LATE_DEFECTOR: first D in turn 7 -> CCCCCCCCDD (never forgives the C's after)
    ("grim_trigger", "always_cooperate", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("grim_trigger", "always_compete", "CDDDDDDDDD", "DDDDDDDDDD"),
    ("grim_trigger", "tit_for_tat", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("grim_trigger", "alternate", "CCDDDDDDDD", "CDCDCDCDCD"),
    ("grim_trigger", IRREGULAR, "CCCDDDDDDD", IRREGULAR),
    ("grim_trigger", LATE_DEFECTOR, "CCCCCCCCDD", LATE_DEFECTOR),
    # win_stay_lose_shift: C in turn 0, then C iff both moves of the previous turn agree.
    #   vs always_compete: (C,D)->D, (D,D)->C, ... -> CDCDCDCDCD
    #   vs alternate (CDCDCDCDCD):
    #     t1 (C,C)->C  t2 (C,D)->D  t3 (D,C)->D  t4 (D,D)->C  t5 (C,C)->C
    #     t6 (C,D)->D  t7 (D,C)->D  t8 (D,D)->C  t9 (C,C)->C       -> CCDDCCDDCC
    #   vs IRREGULAR (CCDCDDCCCD):
    #     t1 (C,C)->C  t2 (C,C)->C  t3 (C,D)->D  t4 (D,C)->D  t5 (D,D)->C
    #     t6 (C,D)->D  t7 (D,C)->D  t8 (D,C)->D  t9 (D,C)->D       -> CCCDDCDDDD
    ("win_stay_lose_shift", "always_cooperate", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("win_stay_lose_shift", "always_compete", "CDCDCDCDCD", "DDDDDDDDDD"),
    ("win_stay_lose_shift", "tit_for_tat", "CCCCCCCCCC", "CCCCCCCCCC"),
    ("win_stay_lose_shift", "alternate", "CCDDCCDDCC", "CDCDCDCDCD"),
    ("win_stay_lose_shift", IRREGULAR, "CCCDDCDDDD", IRREGULAR),
    # alternate: C, D, C, D, ... whatever the opponent does.
    ("alternate", "always_cooperate", "CDCDCDCDCD", "CCCCCCCCCC"),
    ("alternate", "always_compete", "CDCDCDCDCD", "DDDDDDDDDD"),
    ("alternate", "tit_for_tat", "CDCDCDCDCD", "CCDCDCDCDC"),
    ("alternate", "alternate", "CDCDCDCDCD", "CDCDCDCDCD"),
    ("alternate", IRREGULAR, "CDCDCDCDCD", IRREGULAR),
]


def _opponent(spec: str):
    return spec if spec in RULES else Cycler(spec)


@pytest.mark.parametrize("rule, opponent, mine, theirs", EXPECTED,
                         ids=[f"{r}-vs-{o}" for r, o, *_ in EXPECTED])
def test_classic_rule_exact_moves(rule, opponent, mine, theirs):
    result = play_match(rule, _opponent(opponent), TURNS)
    assert result.actions == (mine, theirs)


def test_every_deterministic_rule_has_expected_cases():
    covered = {r for r, *_ in EXPECTED}
    assert covered == set(DETERMINISTIC)
    for r in DETERMINISTIC:
        assert sum(1 for x, *_ in EXPECTED if x == r) >= 4


@pytest.mark.parametrize("opponent", ["always_cooperate", "always_compete", "alternate",
                                      "win_stay_lose_shift", IRREGULAR, LATE_DEFECTOR])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generous_tit_for_tat_without_generosity_is_tit_for_tat(opponent, seed):
    gtft = play_match(GenerousTitForTat(generosity=0.0), _opponent(opponent), 40, seed=seed)
    tft = play_match("tit_for_tat", _opponent(opponent), 40, seed=seed)
    assert gtft.actions == tft.actions


@pytest.mark.parametrize("opponent", ["always_compete", "alternate", IRREGULAR])
@pytest.mark.parametrize("seed", [0, 1])
def test_generous_tit_for_tat_with_full_generosity_always_cooperates(opponent, seed):
    result = play_match(GenerousTitForTat(generosity=1.0), _opponent(opponent), 40, seed=seed)
    assert result.actions[0] == "C" * 40


def test_generous_tit_for_tat_default_generosity_values():
    # Nowak & Sigmund: g = min(1 - (T-R)/(R-S), (R-P)/(T-P)), clipped to [0, 1].
    # PD (R,S,T,P) = (3,0,5,1):    min(1 - 2/3, 2/4)  = 1/3
    # chicken (3,1,5,0):           min(1 - 2/2, 3/5)  = 0
    # stag hunt (5,0,3,1):         min(1 + 2/5, 4/2)  = 1.4 -> clipped to 1
    # PD (4,0,6,2):                min(1 - 2/4, 2/4)  = 1/2
    rows = [(3, 0, 5, 1), (3, 1, 5, 0), (5, 0, 3, 1), (4, 0, 6, 2)]
    game = StageGames(*(np.array([r[k] for r in rows], dtype=float) for k in range(4)))
    g = GenerousTitForTat()._generosity(game)
    np.testing.assert_allclose(g, [1 / 3, 0.0, 1.0, 0.5])


def test_generous_tit_for_tat_forgives_a_third_of_the_time_in_the_pd():
    # Against always_compete every turn after the first is a forgiveness draw with
    # probability 1/3 (derived above); 2999 draws: sd of the share ~ sqrt(2/9/2999) ~ 0.009.
    turns = 3000
    for seed in (11, 12, 13):
        moves = play_match("generous_tit_for_tat", "always_compete", turns, seed=seed).actions[0]
        assert moves[0] == "C"
        share = moves[1:].count("C") / (turns - 1)
        assert share == pytest.approx(1 / 3, abs=0.04)


def test_generous_tit_for_tat_in_chicken_and_stag_hunt_is_deterministic():
    # generosity 0 in this chicken game (see above): plain tit for tat
    chicken = (3, 1, 5, 0)
    for seed in range(3):
        assert play_match("generous_tit_for_tat", "alternate", 30, chicken, seed=seed).actions \
            == play_match("tit_for_tat", "alternate", 30, chicken).actions
    # generosity 1 in this stag hunt: always cooperates
    stag = (5, 0, 3, 1)
    assert play_match("generous_tit_for_tat", "always_compete", 30, stag, seed=3).actions[0] \
        == "C" * 30


# --- classifiers ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(RULES))
def test_classifier_keys(name):
    cls = RULES[name]
    assert set(cls.classifier) >= {"memory_depth", "stochastic", "uses_payoffs"}
    assert cls.name == name


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_rules_are_classified_deterministic(name):
    assert RULES[name].classifier["stochastic"] is False
    assert RULES[name].classifier["uses_payoffs"] is False


@pytest.mark.parametrize("name", ("generous_tit_for_tat",) + ADAPTIVE)
def test_stochastic_rules_are_classified_stochastic(name):
    assert RULES[name].classifier["stochastic"] is True
    assert RULES[name].classifier["uses_payoffs"] is True


def test_memory_depths():
    assert RULES["always_cooperate"].classifier["memory_depth"] == 0
    assert RULES["always_compete"].classifier["memory_depth"] == 0
    assert RULES["tit_for_tat"].classifier["memory_depth"] == 1
    assert RULES["win_stay_lose_shift"].classifier["memory_depth"] == 1
    assert RULES["grim_trigger"].classifier["memory_depth"] == float("inf")


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_rules_ignore_the_seed(name):
    a = play_match(name, Cycler(IRREGULAR), 30, seed=1)
    b = play_match(name, Cycler(IRREGULAR), 30, seed=99)
    assert a.actions == b.actions


# --- make_rule ----------------------------------------------------------------------------

def test_make_rule_unknown_name_lists_allowed():
    with pytest.raises(ValueError) as info:
        make_rule("nope")
    message = str(info.value)
    assert "nope" in message
    for name in RULES:
        assert name in message


def test_make_rule_passes_objects_and_parameters_through():
    rule = TitForTat()
    assert make_rule(rule) is rule
    gtft = make_rule("generous_tit_for_tat", generosity=0.25)
    assert isinstance(gtft, GenerousTitForTat) and gtft.generosity == 0.25
    assert isinstance(make_rule("always_compete"), AlwaysCompete)
    assert set(RULES) == set(CLASSIC) | set(ADAPTIVE)


# --- adaptive rules: property tests -------------------------------------------------------

payoff_value = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


@st.composite
def random_games(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    cols = [np.array(draw(st.lists(payoff_value, min_size=n, max_size=n))) for _ in range(4)]
    return StageGames(*cols)


def _adaptive_rule(draw, name):
    unit = st.floats(0, 1)
    if name == "noisy_best_response":
        return NoisyBestResponse(rationality=draw(st.floats(0, 1e3)), memory=draw(unit),
                                 initial_trust=draw(unit), future_weight=draw(unit))
    if name == "roth_erev":
        return RothErev(initial_propensity=draw(st.floats(1e-3, 10)), forgetting=draw(unit))
    return BushMosteller(initial_probability=draw(unit), learning_rate=draw(unit))


def _invariants(name, rule, state, game):
    if name == "noisy_best_response":
        assert np.all((state["trust"] >= 0) & (state["trust"] <= 1))
        p = rule.cooperation_probability(state, game)
        assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    elif name == "roth_erev":
        for q in (state["q_coop"], state["q_comp"]):
            assert np.all(np.isfinite(q)) and np.all(q > 0)
        p = state["q_coop"] / (state["q_coop"] + state["q_comp"])
        assert np.all((p >= 0) & (p <= 1))
    else:
        p = state["p_coop"]
        assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize("name", ADAPTIVE)
@settings(max_examples=40, deadline=None)
@given(data=st.data(), game=random_games(), seed=st.integers(0, 2**32 - 1),
       turns=st.integers(1, 25))
def test_adaptive_rules_shapes_and_ranges(name, data, game, seed, turns):
    rule = _adaptive_rule(data.draw, name)
    n = len(game.R)
    rng = np.random.default_rng(seed)
    state = rule.init(n, rng)
    _invariants(name, rule, state, game)
    for _ in range(turns):
        mine = rule.act(state, game, rng)
        assert isinstance(mine, np.ndarray) and mine.dtype == bool and mine.shape == (n,)
        theirs = rng.random(n) < 0.5
        payoff = np.where(mine, np.where(theirs, game.R, game.S),
                          np.where(theirs, game.T, game.P))
        rule.update(state, mine, theirs, payoff, game)
        _invariants(name, rule, state, game)
    assert np.all(state["turn"] == turns)


margin = st.floats(0.01, 50)
base = st.floats(-50, 50)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 10), T=base, P=base, d1=margin, d2=margin,
       trust=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_noisy_best_response_always_cooperates_in_harmony(n, T, P, d1, d2, trust, seed):
    # Harmony: R > T and S > P, so EU_C - EU_D = p(R-T) + (1-p)(S-P) >= min(d1, d2) >= 0.01;
    # times rationality 1e6 the logit is clipped at 50 and 1/(1+e^-50) == 1.0 in float64.
    R, S = T + d1, P + d2
    assert classify(R, S, T, P) == "harmony"
    game = StageGames.constant(n, R, S, T, P)
    rule = NoisyBestResponse(rationality=1e6, initial_trust=trust)
    rng = np.random.default_rng(seed)
    state = rule.init(n, rng)
    for _ in range(20):
        mine = rule.act(state, game, rng)
        assert mine.all()
        theirs = rng.random(n) < 0.5
        rule.update(state, mine, theirs, np.where(theirs, game.R, game.S), game)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 10), S=base, d1=margin, d2=margin, d3=st.floats(0, 50),
       trust=st.floats(0, 1), w=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_noisy_best_response_always_competes_in_deadlock(n, S, d1, d2, d3, trust, w, seed):
    # Deadlock: T > R, P > S and P >= R. EU_C - EU_D = p(R-T) + (1-p)(S-P) + w p (R-P)
    # <= -min(d1, d2) <= -0.01 for any future weight w >= 0 (R - P <= 0).
    P = S + d2
    R = P - d3
    T = R + d1
    assert classify(R, S, T, P) == "deadlock"
    game = StageGames.constant(n, R, S, T, P)
    rule = NoisyBestResponse(rationality=1e6, initial_trust=trust, future_weight=w)
    rng = np.random.default_rng(seed)
    state = rule.init(n, rng)
    for _ in range(20):
        mine = rule.act(state, game, rng)
        assert not mine.any()
        theirs = rng.random(n) < 0.5
        rule.update(state, mine, theirs, np.where(theirs, game.T, game.P), game)


def test_noisy_best_response_probability_matches_the_logit_formula():
    # trust p = 0.5, R,S,T,P = 3,0,5,1, w = 0: advantage = 0.5*(3-5) + 0.5*(0-1) = -1.5;
    # stakes = (3+0+5+1)/4 = 2.25, so the logit argument is 2 * -1.5 / 2.25 = -4/3
    rule = NoisyBestResponse(rationality=2.0, initial_trust=0.5)
    game = StageGames.constant(1, 3, 0, 5, 1)
    state = rule.init(1, np.random.default_rng(0))
    p = rule.cooperation_probability(state, game)
    assert p[0] == pytest.approx(1 / (1 + np.exp(4.0 / 3.0)))
    # the same game scaled by 10 gives the same probability (rationality is scale-free)
    p10 = rule.cooperation_probability(state, StageGames.constant(1, 30, 0, 50, 10))
    assert p10[0] == pytest.approx(p[0])
    # the memory moves trust toward the observed move: 0.5 + 0.3 * (1 - 0.5) = 0.65
    rule.update(state, np.array([True]), np.array([True]), np.array([3.0]), game)
    assert state["trust"][0] == pytest.approx(0.65)


def test_roth_erev_learns_to_compete_against_unconditional_cooperator():
    # Against always_cooperate in the PD, competing earns T=5 and cooperating R=3 (both
    # shifted by the worst payoff S=0), so competing is reinforced more: the mean
    # dynamics of p = P(C) drift toward 0. Individual relations can lock in (forgetting),
    # so check the average over many relations, seeded.
    n, turns = 400, 500
    rng = np.random.default_rng(2024)
    rule = RothErev()
    game = StageGames.constant(n, 3, 0, 5, 1)
    state = rule.init(n, rng)
    compete = []
    for _ in range(turns):
        mine = rule.act(state, game, rng)
        rule.update(state, mine, np.ones(n, dtype=bool), np.where(mine, 3.0, 5.0), game)
        compete.append(1 - mine.mean())
    early, late = np.mean(compete[:10]), np.mean(compete[-100:])
    assert late > 0.6
    assert late > early + 0.1


def test_roth_erev_single_match_mostly_competes_on_average():
    shares = [play_match("roth_erev", "always_cooperate", 300, seed=s).actions[0][-100:]
              .count("D") / 100 for s in range(40)]
    assert np.mean(shares) > 0.55


@settings(max_examples=40, deadline=None)
@given(game=random_games(), p0=st.floats(0, 1), lr=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1))
def test_bush_mosteller_probability_stays_in_unit_interval(game, p0, lr, seed):
    n = len(game.R)
    rule = BushMosteller(initial_probability=p0, learning_rate=lr)
    rng = np.random.default_rng(seed)
    state = rule.init(n, rng)
    for _ in range(30):
        mine = rule.act(state, game, rng)
        theirs = rng.random(n) < 0.5
        payoff = np.where(mine, np.where(theirs, game.R, game.S),
                          np.where(theirs, game.T, game.P))
        rule.update(state, mine, theirs, payoff, game)
        assert np.all((state["p_coop"] >= 0) & (state["p_coop"] <= 1))


def test_bush_mosteller_single_update_by_hand():
    # (R,S,T,P) = (3,0,5,1): aspiration A = 9/4 = 2.25, spread = max|x - A| = 2.75.
    # Cooperate and get R=3: s = 0.75/2.75 = 3/11; p <- p + l*s*(1-p) = 0.5 + 0.3*(3/11)*0.5.
    game = StageGames.constant(1, 3, 0, 5, 1)
    rule = BushMosteller(initial_probability=0.5, learning_rate=0.3)
    state = rule.init(1, np.random.default_rng(0))
    rule.update(state, np.array([True]), np.array([True]), np.array([3.0]), game)
    assert state["p_coop"][0] == pytest.approx(0.5 + 0.3 * (3 / 11) * 0.5)
    # Then cooperate and get S=0: s = -2.25/2.75 = -9/11; p <- p + l*s*p.
    p = state["p_coop"][0]
    rule.update(state, np.array([True]), np.array([False]), np.array([0.0]), game)
    assert state["p_coop"][0] == pytest.approx(p + 0.3 * (-9 / 11) * p)


def test_unconditional_rules_are_vectorised():
    rng = np.random.default_rng(0)
    game = StageGames.constant(5, 3, 0, 5, 1)
    for rule, value in ((AlwaysCooperate(), True), (AlwaysCompete(), False)):
        state = rule.init(5, rng)
        out = rule.act(state, game, rng)
        assert out.shape == (5,) and out.dtype == bool and np.all(out == value)


# --- seeded exact sequences of the stochastic and adaptive rules (Axelrod's versus_test) ----
# play_match draws every random number from default_rng(seed), player a's draw first each
# turn. The sequences are pinned: a change in a rule's arithmetic or in its draws shows here.

SEEDED = [
    # (rule, opponent, seed 7, 20 turns, rule's moves, opponent's moves)
    ("generous_tit_for_tat", "tit_for_tat", "C" * 20, "C" * 20),
    # vs alternate: after each D of the opponent, forgives with probability 1/3 (PD)
    ("generous_tit_for_tat", "alternate", "CCDCCCCCDCCCCCDCDCDC", "CD" * 10),
    ("noisy_best_response", "tit_for_tat", "DDDDDDCDDDDDDDDDDDDD", "CDDDDDDCDDDDDDDDDDDD"),
    ("noisy_best_response", "alternate", "DDDDDDCDDDDDDDDDDDDD", "CD" * 10),
    ("roth_erev", "tit_for_tat", "DDDDDDCDDDDDDDDDDDDD", "CDDDDDDCDDDDDDDDDDDD"),
    ("roth_erev", "alternate", "DDDDDDCDDDDDDDDDDDDD", "CD" * 10),
    ("bush_mosteller", "tit_for_tat", "DDDCCDCDDDCCCDDDDDDD", "CDDDCCDCDDDCCCDDDDDD"),
    ("bush_mosteller", "alternate", "DDDCDDCDDDCCCDDDDDDD", "CD" * 10),
]


@pytest.mark.parametrize("rule, opponent, mine, theirs", SEEDED)
def test_stochastic_rule_exact_seeded_moves(rule, opponent, mine, theirs):
    assert play_match(rule, opponent, 20, seed=7).actions == (mine, theirs)


def test_every_stochastic_rule_has_seeded_cases():
    assert {r for r, *_ in SEEDED} == {n for n in RULES if RULES[n].classifier["stochastic"]}


# --- the classifier, checked by behaviour -------------------------------------------------

PD, HARMONY = (3.0, 0.0, 5.0, 1.0), (5.0, 3.0, 1.0, 0.0)


@pytest.mark.parametrize("name", sorted(RULES))
def test_classifier_matches_behaviour(name):
    c = RULES[name].classifier
    seeds = range(12)

    def moves(opponent, payoffs=PD, seed=0):
        return play_match(name, opponent, 12, payoffs, seed=seed).actions[0]

    by_seed = {moves(Cycler(IRREGULAR), seed=s) for s in seeds}
    assert (len(by_seed) > 1) == c["stochastic"]
    by_payoffs = any(moves(Cycler(IRREGULAR), PD, s) != moves(Cycler(IRREGULAR), HARMONY, s)
                     for s in seeds)
    assert by_payoffs == c["uses_payoffs"]
    # memory depth 0: the opponent's moves change nothing (same seed, same draws)
    reacts = any(moves("always_cooperate", seed=s) != moves("always_compete", seed=s)
                 for s in seeds)
    if c["memory_depth"] == 0:
        assert not reacts


# --- the same rule object in a match and in the model ------------------------------------

def test_alternate_plays_the_opposite_of_its_last_move_in_the_model_too():
    from sim.config.schema import compose
    from sim.mesa.model import SpaceRaceModel
    from sim.config.plain import to_plain
    cfg = to_plain(compose(["strategies.default=alternate", "strategies.noise=0"]))
    model = SpaceRaceModel(cfg, rng=3, record_actors=False)
    wolf = model.blocked.copy()
    previous = model.last_actions.copy()            # the documented start
    for _ in range(4):
        model.step()
        free = ~wolf & ~model.blocked                   # moves not forced by a ban
        np.testing.assert_array_equal(model.last_actions[free], ~previous[free])
        previous = model.last_actions.copy()
    # and in a match it opens with C, then alternates: the same rule
    assert play_match("alternate", "always_cooperate", 4).actions[0] == "CDCD"


# --- seeded sequences against a reference written out here (Axelrod's versus_test) ---------
# Each stochastic and adaptive rule is replayed by a plain scalar transcription of its
# docstring, fed the same uniform draws: in play_match against a Cycler (which never
# draws) the rule draws exactly one uniform per turn from default_rng(seed), so its move
# in turn t is ``u_t < p_t`` (p_t: its probability to cooperate). Any change in a rule's
# arithmetic, its parameters' meaning or its draws breaks the equality of the sequences.

CHICKEN = (3.0, 1.0, 5.0, 0.0)
STAG = (5.0, 0.0, 3.0, 1.0)


def _reference_moves(name, params, opponent, payoffs, seed, turns):
    R, S, T, P = payoffs
    u = np.random.default_rng(seed).random(turns)
    table = {(True, True): R, (True, False): S, (False, True): T, (False, False): P}
    moves, theirs_last = [], None
    trust = params.get("initial_trust", 0.5)
    q_c = q_d = params.get("initial_propensity", 1.0)
    p_bm = params.get("initial_probability", 0.5)
    for t in range(turns):
        theirs = opponent[t % len(opponent)] == "C"
        if name == "generous_tit_for_tat":
            g = params.get("generosity")
            if g is None:
                g = min(1 - (T - R) / (R - S), (R - P) / (T - P))
                g = min(1.0, max(0.0, g))
            mine = t == 0 or theirs_last or u[t] < g
        elif name == "noisy_best_response":
            w = params.get("future_weight") or 0.0
            adv = trust * (R - T) + (1 - trust) * (S - P) + w * trust * (R - P)
            stakes = (abs(R) + abs(S) + abs(T) + abs(P)) / 4
            x = min(50.0, max(-50.0, params.get("rationality", 4.0) * adv / stakes))
            mine = u[t] < 1 / (1 + np.exp(-x))
        elif name == "roth_erev":
            mine = u[t] * (q_c + q_d) < q_c
        else:
            mine = u[t] < p_bm
        pay = table[(bool(mine), theirs)]
        # learning after the moves
        trust += params.get("memory", 0.3) * (theirs - trust)
        keep = 1 - params.get("forgetting", 0.1)
        reward = pay - min(R, S, T, P)
        q_c, q_d = keep * q_c + (reward if mine else 0.0), keep * q_d + (0.0 if mine else reward)
        q_c, q_d = max(q_c, 1e-9), max(q_d, 1e-9)
        a = (R + S + T + P) / 4
        spread = max(abs(x - a) for x in (R, S, T, P))
        s = min(1.0, max(-1.0, (pay - a) / spread))
        lr = params.get("learning_rate", 0.3) * s
        taken = p_bm if mine else 1 - p_bm
        taken = taken + lr * (1 - taken) if s >= 0 else taken + lr * taken
        p_bm = min(1.0, max(0.0, taken if mine else 1 - taken))
        moves.append("C" if mine else "D")
        theirs_last = theirs
    return "".join(moves)


STOCHASTIC = sorted(n for n in RULES if RULES[n].classifier["stochastic"])
VERSUS = [(name, params, opp, pay, seed)
          for name, params in [(n, {}) for n in STOCHASTIC] + [
              ("generous_tit_for_tat", {"generosity": 0.6}),
              ("noisy_best_response", {"rationality": 1.5, "memory": 0.6, "initial_trust": 0.9,
                                       "future_weight": 2.0}),
              ("roth_erev", {"initial_propensity": 0.5, "forgetting": 0.4}),
              ("bush_mosteller", {"initial_probability": 0.8, "learning_rate": 0.7})]
          for opp in ("C", "D", IRREGULAR)
          for pay, seed in ((PD, 3), (CHICKEN, 11), (STAG, 2024))]


@pytest.mark.parametrize("name, params, opponent, payoffs, seed", VERSUS,
                         ids=[f"{n}{'-' + '-'.join(map(str, p.values())) if p else ''}-vs-{o}-"
                              f"{ {PD: 'pd', CHICKEN: 'chicken', STAG: 'stag'}[g]}-{s}"
                              for n, p, o, g, s in VERSUS])
def test_stochastic_rule_matches_its_reference(name, params, opponent, payoffs, seed):
    turns = 25
    got = play_match(make_rule(name, **params), Cycler(opponent), turns, payoffs, seed=seed)
    expected = _reference_moves(name, params, opponent, payoffs, seed, turns)
    assert got.actions[0] == expected


def test_the_reference_cases_are_not_trivial():
    """Across the cases each rule both cooperates and competes (a constant sequence would
    say little about the draws)."""
    for name in STOCHASTIC:
        seqs = [_reference_moves(n, p, o, g, s, 25) for n, p, o, g, s in VERSUS if n == name]
        assert any("C" in q[1:] and "D" in q for q in seqs), name


# --- memory depth, checked by behaviour ---------------------------------------------------

def _explained_by(name, depth, n_histories=80, turns=12):
    """Whether the rule's move in turn t is a function of the last ``depth`` rounds (and,
    for a rule that draws, of t: every history sees the same draws in turn t), in a
    prisoner's dilemma and in a stag hunt (where trust decides).

    The rule is driven directly: after each of its moves both its own recorded move and
    the counterpart's are random (as a trembling hand makes them), so its own last move
    cannot stand in for a longer memory (grim trigger's would tell whether it was
    triggered)."""
    stochastic = RULES[name].classifier["stochastic"]
    history = np.random.default_rng(1).random((n_histories, turns, 2)) < 0.6
    for R, S, T, P in (PD, STAG):
        rule, game = make_rule(name), StageGames.constant(1, R, S, T, P)
        table = {(True, True): R, (True, False): S, (False, True): T, (False, False): P}
        seen = {}
        for h in history:
            state = rule.init(1, np.random.default_rng(0))
            rounds = []
            for t in range(turns):
                move = bool(rule.act(state, game, np.random.default_rng([7, t]))[0])
                window = tuple(rounds[max(0, t - depth):t])
                key = (t if stochastic else min(t, depth), window)
                if seen.setdefault(key, move) != move:
                    return False
                mine, theirs = bool(h[t, 0]), bool(h[t, 1])
                rule.update(state, np.array([mine]), np.array([theirs]),
                            np.array([table[mine, theirs]]), game)
                rounds.append((mine, theirs))
    return True


@pytest.mark.parametrize("name", sorted(RULES))
def test_memory_depth_matches_what_the_rule_reads(name):
    """A rule of memory depth d decides from the last d rounds only (and the turn's draw);
    a rule of depth d >= 1 cannot decide from d - 1 rounds; infinite depth: no short
    window (up to 3 rounds) explains its moves."""
    d = RULES[name].classifier["memory_depth"]
    if d == float("inf"):
        assert not any(_explained_by(name, k) for k in (0, 1, 2, 3))
    else:
        assert _explained_by(name, d)
        if d >= 1:
            assert not _explained_by(name, d - 1)
