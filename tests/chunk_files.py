"""Helpers shared by the sweep and crash tests: a chunk's files, read without sim.sweep."""

import hashlib
from pathlib import Path

import pandas as pd


def sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def chunk_files(job: Path, k: int) -> list[Path]:
    c = job / "chunks"
    return [c / f"runs-{k:05d}.parquet", c / f"years-{k:05d}.parquet", c / f"chunk-{k:05d}.json"]


def runs_table(job: Path) -> pd.DataFrame:
    """All runs of a job's chunks, by run_id."""
    files = sorted((job / "chunks").glob("runs-[0-9]*.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def years_table(job: Path) -> pd.DataFrame:
    """All per-year rows of a job's chunks, by run_id and year."""
    files = sorted((job / "chunks").glob("years-[0-9]*.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values(["run_id", "year"], kind="stable").reset_index(drop=True)
