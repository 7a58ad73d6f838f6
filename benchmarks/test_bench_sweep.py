"""A 1,000-run sweep end to end through the real command line, as a user runs it:

    python -m sim sweep.seeds=1000 sweep.name=b output.root=<tmp> sweep.progress=false
    python -m sim.experiments.report <tmp>/sweeps/b --no-plots

Both commands are timed together (one round: it is long and writes files); the two
parts are also recorded separately in extra_info. Everything is measured as wall
time of fresh processes, so interpreter start, imports, Hydra's config checks and
loading numba's cached kernels are included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RUNS = int(os.environ.get("BENCH_SWEEP_RUNS", "1000"))


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return seconds


def test_sweep_cli_end_to_end(benchmark, tmp_path):
    root = tmp_path / "out"
    parts: dict[str, float] = {}

    def sweep_and_report():
        parts["sweep_s"] = _run([sys.executable, "-m", "sim", f"sweep.seeds={RUNS}",
                                 "sweep.name=b", f"output.root={root}", "sweep.progress=false"])
        parts["report_s"] = _run([sys.executable, "-m", "sim.experiments.report",
                                  str(root / "sweeps" / "b"), "--no-plots"])

    benchmark.group = "sweep"
    benchmark.pedantic(sweep_and_report, rounds=1, iterations=1)
    total = parts["sweep_s"] + parts["report_s"]
    benchmark.extra_info.update(
        label=f"sweep: CLI {RUNS} runs + report", runs=RUNS, workers=2,
        sweep_s=round(parts["sweep_s"], 3), report_s=round(parts["report_s"], 3),
        runs_per_s=round(RUNS / total, 2),
        runs_per_s_sweep_only=round(RUNS / parts["sweep_s"], 2))
    assert (root / "sweeps" / "b" / "report" / "runs.parquet").exists()
