"""The chunks of a sweep's job folder (the layout is in :mod:`sim.experiments.sweep`): where
each chunk's two tables and marker are, whether a chunk is complete, and how one is
written atomically. Kept apart from the sweep's runner, so that reading results (the
report) does not import the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.plan import Plan
from sim.io import atomic_write_json, atomic_write_parquet, read_json, sha256_file
from sim.mesa.columns import MODEL_COLUMNS


class ChunkStore:
    """Chunks of one job folder; a chunk counts only if its marker and checksums agree."""

    def __init__(self, folder: Path, plan: Plan, scenario: str):
        self.folder = folder
        self.dir = folder / "chunks"
        self.plan = plan
        self.scenario = scenario

    def paths(self, k: int) -> tuple[Path, Path, Path]:
        return (self.dir / f"runs-{k:05d}.parquet", self.dir / f"years-{k:05d}.parquet",
                self.dir / f"chunk-{k:05d}.json")

    def complete(self, k: int) -> bool:
        runs, years, marker = self.paths(k)
        try:
            info = read_json(marker)
        except (OSError, ValueError):
            return False
        if not isinstance(info, dict):
            return False
        return (info.get("config_hash") == self.plan.config_hash
                and info.get("n_runs") == len(self.plan.chunk(k))
                and sha256_file(runs) == info.get("runs_sha256")
                and sha256_file(years) == info.get("years_sha256"))

    def write(self, result: dict) -> None:
        k = result["chunk"]
        runs_path, years_path, marker = self.paths(k)
        marker.unlink(missing_ok=True)
        runs = pd.DataFrame(result["rows"])
        runs.insert(1, "scenario", self.scenario)
        n_runs = len(result["rows"])
        lengths = np.array([len(y) for y in result["years"]])
        years = pd.DataFrame(np.concatenate(result["years"]), columns=list(MODEL_COLUMNS))
        years.insert(0, "run_id", np.repeat(result["run_ids"], lengths))
        years.insert(1, "year", np.concatenate([np.arange(n) + s for n, s in
                                                zip(lengths, result["start_years"])]))
        info = {"chunk": k, "n_runs": int(n_runs), "config_hash": self.plan.config_hash,
                "years_sha256": atomic_write_parquet(years_path, years),
                "runs_sha256": atomic_write_parquet(runs_path, runs)}
        atomic_write_json(marker, info)
