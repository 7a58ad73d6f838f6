"""The columns of the model's per-year tables (the model table, the actor table)."""

from __future__ import annotations

from sim.game.payoffs import GAME_TYPES
from sim.names import PROGRAMMES
from sim.outcome.rule import CAMPS

#: The pairs the documents' levers act on (their mutual cooperation is in the model table).
TRACKED_PAIRS = (("ESA", "China"), ("Canada", "China"), ("Russia", "China"), ("Russia", "US"),
                 ("ESA", "US"))
#: Columns of the per-year model table, in order.
MODEL_COLUMNS = (
    ["cooperation_density", "weighted_density", "cross_divide_cooperation", "modularity"]
    + [f"role_{c}" for c in CAMPS]
    + [f"members_{p}" for p in PROGRAMMES]
    + ["programme_hedgers", "racing_spending", "science_output", "total_capability",
       "us_china_cooperation"]
    + [f"games_{g}" for g in GAME_TYPES]
    # the pairs the documents' levers act on: mutual cooperation (0/1) this year, and the
    # US -> China and China -> US stage-game types (codes into GAME_TYPES; -1: no relation)
    + [f"coop_{a}_{b}" for a, b in TRACKED_PAIRS]
    + ["game_us_china", "game_china_us"]
)
#: Columns of the per-year per-actor table (besides year and actor).
ACTOR_COLUMNS = ("capability", "budget", "racing", "prestige", "alignment", "science",
                 "role", "cooperation_given", "partners") + tuple(f"in_{p}" for p in PROGRAMMES)
