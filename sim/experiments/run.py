"""One run: build the model, run it, and turn it into tables and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.names import MAJORS, PROGRAMMES
from sim.io import atomic_write_json, atomic_write_parquet, atomic_write_text
from sim.mesa.collect import actor_table, model_table
from sim.mesa.columns import MODEL_COLUMNS
from sim.mesa.model import SpaceRaceModel
from sim.outcome.rule import CAMPS
from sim.world.actors import relations_depend_on_seed

#: Final-year model metrics copied into the summary row.
FINAL_COLUMNS = tuple(f"members_{p}" for p in PROGRAMMES) + (
    "programme_hedgers", "racing_spending", "science_output", "total_capability")


def simulate(cfg: dict, seed: int, record_actors: bool = False) -> SpaceRaceModel:
    """Build and run the model for ``seed`` (all randomness from its generator)."""
    model = SpaceRaceModel(cfg, rng=int(seed), record_actors=record_actors)
    model.run()
    return model


def simulate_many(cfg: dict, seeds) -> SpaceRaceModel:
    """Run one world per seed side by side in one model (world ``b`` has seed
    ``seeds[b]``, and the results of ``simulate(cfg, seeds[b])``)."""
    model = SpaceRaceModel(cfg, seeds=list(seeds), record_actors=False)
    model.run()
    return model


def simulate_worlds(cfg: dict, seeds) -> list[tuple[SpaceRaceModel, int]]:
    """Run one world per seed; (model, world) per seed. The worlds run side by side
    (:func:`simulate_many`) unless a world's relations are drawn per seed (the synthetic
    world's regional ties): then each seed has its own model."""
    if relations_depend_on_seed(cfg):
        return [(simulate(cfg, s), 0) for s in seeds]
    model = simulate_many(cfg, seeds)
    return [(model, b) for b in range(len(seeds))]


def summary(model: SpaceRaceModel, outcome: dict | None = None, world: int = 0) -> dict:
    """The run's outcome and headline metrics as one flat row (of one of the model's
    worlds when it runs several side by side)."""
    outcome = outcome or model.outcome(world)
    final = dict(zip(MODEL_COLUMNS, model.world_rows[world, -1]))
    row = {k: v for k, v in outcome.items() if k not in ("labels", "camp_labels")}
    row.update({f"final_{k}": float(final[k]) for k in FINAL_COLUMNS})
    act = model.actors
    for name in MAJORS:
        k = model.index[name]
        row[f"capability_{name}"] = float(act.capability[world, k])
        row[f"prestige_{name}"] = float(act.prestige[world, k])
        row[f"racing_{name}"] = float(act.racing[world, k])
    row["milestones_succeeded"] = sum(1 for *_, r in model.event_logs[world] if r == "success")
    from sim.world.world_states import joined_columns
    row.update(joined_columns(model, world))
    return row


def network_table(model: SpaceRaceModel) -> pd.DataFrame:
    """Every relation with its share of mutually cooperative years in the final window."""
    rel, share = model.relations, model.tie_shares()
    names = np.array(model.names, dtype=object)
    return pd.DataFrame({"a": names[rel.i], "b": names[rel.j], "share": share,
                         "tie": share >= model.outcome_rule.tie_threshold})


def write_run(model: SpaceRaceModel, out_dir: str | Path, resolved_yaml: str,
              manifest: dict, actor_tables: bool = True, plot: bool = True) -> dict:
    """Write a finished run's files; ``outcome.json`` is written last (the completion mark)."""
    out = Path(out_dir)
    outcome = model.outcome()
    atomic_write_text(out / "config.yaml", resolved_yaml)
    years = model_table(model)
    atomic_write_parquet(out / "model.parquet", years)
    if actor_tables:
        atomic_write_parquet(out / "actors.parquet", actor_table(model))
    network = network_table(model)
    atomic_write_parquet(out / "network.parquet", network)
    from sim.world.world_states import joins_table
    atomic_write_parquet(out / "joins.parquet", joins_table(model))
    labels = outcome.pop("labels")
    camps = {name: CAMPS[int(k)] for name, k in zip(model.names, labels)}
    if plot:
        from sim.experiments.plots import plot_run
        plot_run(years, network, camps, model.actors, out / "run.png",
                 title=f"{manifest.get('scenario', '')} · seed {manifest.get('seed', '')}"
                       f" · outcome: {outcome['outcome']}")
    atomic_write_json(out / "manifest.json", manifest)
    result = {**summary(model, {**outcome, "labels": labels}),
              "events": [{"year": y, "milestone": n, "result": r} for y, n, r in model.event_log],
              "camps": camps}
    atomic_write_json(out / "outcome.json", result)
    return result
