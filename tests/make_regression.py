"""Regenerate the regression tables in tests/data/regression/.

Run only when the model's behaviour is *meant* to change (a new mechanism, a recalibrated
parameter), never to make a speed-up pass: ``python tests/make_regression.py``.
"""

from pathlib import Path

from sim.config.schema import compose
from sim.config.plain import to_plain
from sim.mesa.collect import actor_table, model_table
from sim.experiments.run import simulate

CASES = [("status_quo", 1), ("status_quo", 7), ("cold_war_race", 3), ("global_collaboration", 5)]
OUT = Path(__file__).parent / "data" / "regression"


def tables(scenario: str, seed: int):
    model = simulate(to_plain(compose([f"scenario={scenario}"])), seed, record_actors=True)
    actors = actor_table(model)
    named = actors[actors["kind"].isin(("major", "named"))].reset_index(drop=True)
    return model_table(model), named, model.outcome()["outcome"]


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for scenario, seed in CASES:
        m, a, outcome = tables(scenario, seed)
        m.assign(outcome=outcome).to_parquet(OUT / f"{scenario}-{seed}-model.parquet", index=False)
        a.to_parquet(OUT / f"{scenario}-{seed}-actors.parquet", index=False)
        print(scenario, seed, outcome)
