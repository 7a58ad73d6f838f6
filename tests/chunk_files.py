"""Helpers shared by the sweep and crash tests: a chunk's files, read without sim.sweep."""

import hashlib
from pathlib import Path


def sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def chunk_files(job: Path, k: int) -> list[Path]:
    c = job / "chunks"
    return [c / f"runs-{k:05d}.parquet", c / f"years-{k:05d}.parquet", c / f"chunk-{k:05d}.json"]
