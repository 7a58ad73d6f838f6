"""Print one compact table from a pytest-benchmark JSON file.

    python benchmarks/report.py .benchmarks/latest.json

Columns: the benchmark, its mean time (and the fastest round, where there were several
rounds), runs per second and time per run where the benchmark does model runs, and
notes: the ratios of the comparison and what each point is. The scaling exponents
(log-log slope of time per run over actors and over years) and the machine's load
during the session follow the table.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_rate(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}"


def notes(info: dict) -> str:
    out = []
    if "actors" in info and "years" in info:
        out.append(f"{info['actors']} actors, {info['years']} years")
    elif "relations" in info:
        out.append(f"{info['relations']} directed relations")
    if "ns_per_relation" in info:
        out.append(f"{info['ns_per_relation']:.3g} ns/relation")
    if "sweep_s" in info:
        out.append(f"sweep {info['sweep_s']:.1f} s + report {info['report_s']:.1f} s; "
                   f"sweep alone {info['runs_per_s_sweep_only']:.3g} runs/s")
    if "steady_time_per_run_s" in info and info["steady_time_per_run_s"] is not None:
        out.append(f"steady {fmt_time(info['steady_time_per_run_s'])}/run, "
                   f"model alone {fmt_time(info.get('model_time_per_run_s'))}")
    if "ratio_vs_project_sweep" in info:
        text = f"x{info['ratio_vs_project_sweep']:.3g} vs (c)"
        if "steady_ratio_vs_project_sweep" in info:
            text += f" (steady x{info['steady_ratio_vs_project_sweep']:.3g})"
        out.append(text)
    if "workers" in info or "processes" in info:
        out.append(f"{info.get('workers', info.get('processes'))} processes")
    return "; ".join(out)


GROUP_ORDER = ("model", "sweep", "compare", "scaling: actors", "scaling: years")


def _order(indexed) -> tuple:
    k, b = indexed
    group = b.get("group") or ""
    rank = GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
    info = b.get("extra_info") or {}
    within = (info.get("label", "") if group == "compare" else info.get("scaling_x", k))
    return rank, group, within, k


def rows(data: dict) -> list[list[str]]:
    table = []
    benchmarks = [b for _, b in sorted(enumerate(data.get("benchmarks", [])), key=_order)]
    for b in benchmarks:
        info, stats = b.get("extra_info") or {}, b["stats"]
        mean, rounds = stats["mean"], stats["rounds"]
        runs = info.get("runs")
        per_run = mean / runs if runs else None
        rate = info.get("runs_per_s") or (runs / mean if runs and mean > 0 else None)
        table.append([info.get("label", b["name"]), fmt_time(mean),
                      fmt_time(stats["min"]) if rounds > 1 else "-", str(rounds),
                      fmt_rate(rate) if runs else "-", fmt_time(per_run) if runs else "-",
                      notes(info)])
    return table


def exponents(data: dict) -> dict:
    exps = data.get("scaling_exponents")
    if exps:
        return exps
    # older files: fit here
    import numpy as np
    pts: dict[str, dict[int, float]] = {}
    for b in data.get("benchmarks", []):
        info = b.get("extra_info") or {}
        if "scaling_axis" in info:
            pts.setdefault(info["scaling_axis"], {})[int(info["scaling_x"])] = b["stats"]["mean"]
    out = {}
    for axis, p in pts.items():
        if len(p) >= 2:
            xs = sorted(p)
            k = np.polyfit(np.log(xs), np.log([p[x] for x in xs]), 1)[0]
            out[axis] = {"exponent": round(float(k), 3), "points": {str(x): p[x] for x in xs}}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compact table of a pytest-benchmark JSON file.")
    ap.add_argument("json", type=Path, help="file written by --benchmark-json")
    args = ap.parse_args(argv)
    try:
        data = json.loads(args.json.read_text())
    except (OSError, ValueError) as e:
        print(f"error: cannot read {args.json}: {e}", file=sys.stderr)
        return 2

    header = ["benchmark", "mean", "min", "rounds", "runs/s", "per run", "notes"]
    table = rows(data)
    if not table:
        print(f"{args.json}: no benchmarks", file=sys.stderr)
        return 1
    widths = [max(len(r[k]) for r in [header, *table]) for k in range(len(header) - 1)]
    right = {1, 2, 3, 4, 5}

    def line(r):
        cells = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths))]
        return "  ".join(cells + [r[-1]]).rstrip()

    when = data.get("datetime", "")[:16].replace("T", " ")
    machine = data.get("machine_info", {})
    print(f"spacerace benchmarks · {when} · Python {machine.get('python_version', '?')} · "
          f"{machine.get('cpu', {}).get('count', '?')} CPUs")
    print(line(header))
    print("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    for r in table:
        print(line(r))
    for axis, e in exponents(data).items():
        pts = ", ".join(f"{x}: {fmt_time(s)}" for x, s in e["points"].items())
        print(f"scaling exponent over {axis}: time per run ~ {axis}^{e['exponent']:.2f}   ({pts})")
    load = data.get("load_average")
    if load and load.get("start"):
        print(f"load average (1/5/15 min) at start {load['start']}, at end {load.get('end')}, "
              f"on {load.get('cpus')} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
