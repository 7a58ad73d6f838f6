"""Helpers shared by the sweep and crash tests: the command line run in its own
session, and a sweep's jobs and chunk files, read without sim.experiments.sweep."""

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parent.parent


def _foreground_signals() -> None:
    # Ctrl-C as a terminal's foreground command gets it: a test run started in the
    # background (`cmd &` ignores SIGINT) would otherwise pass the ignoring down
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(cmd: list[str], env: dict | None = None) -> subprocess.Popen:
    """Start ``cmd`` in its own session, so its whole process group can be signalled."""
    return subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, preexec_fn=_foreground_signals,
                            env={**os.environ, **(env or {})})


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    """Its output; the whole group is killed if it hangs."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise


def run(cmd: list[str], timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = start(cmd, env)
    out, err = finish(proc, timeout)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (f"exit {result.returncode}\nstdout:\n{result.stdout}"
                                    f"\nstderr:\n{result.stderr}")
    return result


def sim(root: Path, *args: str, multirun: bool = False, **kw) -> subprocess.CompletedProcess:
    """``python -m sim [-m] ARGS`` writing under ``root`` (``output.root``), no progress bar."""
    cmd = [sys.executable, "-m", "sim", *(["-m"] if multirun else []), *args,
           f"output.root={root}", "sweep.progress=false"]
    return run(cmd, **kw)


def report(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m sim.experiments.report FOLDER ARGS``."""
    return run([sys.executable, "-m", "sim.experiments.report", str(folder), *args])


def stamp(path: Path) -> tuple[int, int]:
    """Inode and modification time: changes when a file is rewritten."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def cut(path: Path) -> None:
    """Truncate a file to half its size."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


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


def marker_state(job: Path, k: int, n_runs: int, config_hash: str | None = None) -> bool | None:
    """None when chunk k has no marker; else whether the marker is a JSON object whose
    run count (and config hash, if given) and SHA-256 sums match the chunk's files."""
    runs, years, marker = chunk_files(job, k)
    if not marker.exists():
        return None
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return (isinstance(info, dict) and info.get("n_runs") == n_runs
            and (config_hash is None or info.get("config_hash") == config_hash)
            and sha256(runs) is not None and info.get("runs_sha256") == sha256(runs)
            and sha256(years) is not None and info.get("years_sha256") == sha256(years))


def job_dirs(root: Path, name: str) -> list[Path]:
    """The job folders of sweep ``name`` under ``root``."""
    return sorted(p.parent for p in (root / "sweeps" / name).glob("*/job.json"))


def only_job(root: Path, name: str) -> Path:
    jobs = job_dirs(root, name)
    assert len(jobs) == 1, jobs
    return jobs[0]


def complete_chunks(job: Path) -> list[bool]:
    """Which chunks are complete, checked independently of sim.experiments.sweep."""
    plan = json.loads((job / "job.json").read_text())
    return [marker_state(job, k, min(plan["chunk_size"], plan["n_runs"] - k * plan["chunk_size"]),
                         plan["config_hash"]) is True for k in range(plan["n_chunks"])]
