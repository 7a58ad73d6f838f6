"""``python -m sim.experiments.analyze``: what decides the outcome — global sensitivity, scenario
discovery and the policy view, on a results folder's runs table and its design.

Commands::

    python -m sim.experiments.analyze sensitivity DIR [--metrics a,b] [--resamples 200]
    python -m sim.experiments.analyze discover DIR --outcome collaboration [--scenario S] [--inputs a,b]
    python -m sim.experiments.analyze policy DIR --lever KEY --off V --on V [--by KEY|auto]

**Inputs.** The runs table is ``DIR/report/runs.parquet`` (written by ``python -m
sim.experiments.report DIR``) or ``DIR/runs.parquet``; the design is ``DIR/design.json`` (or
``design.parquet``, here or in ``DIR/report/``; ``--design FILE`` names another), as
written by :func:`sim.experiments.designs.save`. The runs table has one row per run:

=================  ========  ===========================================================
column             needed    meaning
=================  ========  ===========================================================
``seed``           always    the run's seed
``outcome``        always    the run's outcome class (any set of names: collaboration,
                             bloc, race, ...; shares are computed for every class present)
``<config key>``   design    the value each design parameter had in the run, one column
                             per key of the design (e.g. ``world.threat_perception``)
``design_point``   design    the run's index in the design (``sim.experiments.designs.points``; the
                             report writes it for the jobs of a ``sweep.design``). If
                             absent it is derived as ``run_id // seeds`` within each
                             ``job`` (the sweep's point-major order) and checked against
                             the parameter columns
``job``            optional  a job label (``report`` writes it): sensitivity is computed
                             per job; else per ``scenario``; else for the whole table
``scenario``       optional  as above; ``discover --scenario`` and ``policy`` use it
``run_id``         optional  see ``design_point``
metrics            optional  numeric columns (``--metrics``; by default every column ending
                             in ``_index`` plus ``weighted_density`` and ``cross_divide``)
=================  ========  ===========================================================

**Seeds.** A design point is run with several seeds. Sensitivity indices are computed
on one number per design point: for an outcome class, the *share* of the point's seeds
that end in it (an estimate of the outcome probability at that point); for a metric,
its *mean* over the point's seeds. Seed noise adds variance to these numbers; the
table's ``noise_share`` estimates what part of their variance across points is seed
noise (the mean squared standard error of a point's share or mean, divided by the
variance across points). An index smaller than ``noise_share`` cannot be told from
noise: add seeds. For Sobol, seed noise also raises every total index by about
``noise_share`` (an inert input gets ST ≈ ``noise_share``), so the table adds ``ST_net``
= ST − ``noise_share`` and the plot draws that floor. Scenario discovery and the policy view work on runs (each seed a
case), so "collaboration in 84% of runs" counts seeds.

**Methods.** Sobol: ``SALib.analyze.sobol`` on a Saltelli design (first-order S1 and
total ST, a share of the output's variance; intervals from SALib's bootstrap over design
rows). Morris: ``SALib.analyze.morris`` (mu*: the mean absolute elementary effect, in
output units per whole sampled range of the input — a loguniform input's range is in
log10 — sigma: their spread, large when an input acts through interactions or
non-linearly; the interval is mu*'s bootstrap interval). Scenario discovery: EMA
Workbench's PRIM (peel_alpha 0.05, mass_min 0.05) on the runs (each seed a case); the
reported box is the step of the peeling trajectory with the highest harmonic mean of
coverage and density (a fixed rule; ``--box`` picks another step); quasi-p values
(EMA, one-sided binomial) say whether each restriction is more than chance. CART
(scikit-learn's tree, at most ``CART_DEPTH`` levels, leaves of at least 5% of the runs)
cross-checks it: its rule is the tree node, inner or leaf, where the outcome is the
majority with the best harmonic mean of coverage and density. Policy view: pairs of
runs with the lever off and on at the same design point and seed (common random
numbers); the change of each outcome's probability is the mean paired difference, its
95% interval a percentile bootstrap of the pairs (``scipy.stats.bootstrap``), overall
and per tercile of an input (``--by``; ``auto``: the input of the PRIM box for
``--outcome`` with the smallest quasi-p).

**Outputs** (under ``DIR/report/``, never outside DIR): ``sensitivity.csv`` and
``sensitivity[-<group>].png``; ``discover-<outcome>.csv`` (the peeling trajectory),
``discover-<outcome>.png``, ``discover-<outcome>.txt`` (the rules and the CART tree);
``policy-<lever>-<on>.csv`` and ``.png``. Bad input (a missing folder, a missing column, an outcome not in
the results, too few runs) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from sim.errors import fail
from sim.experiments.uncertainties import DesignError
from sim.experiments.analysis.runs import (AnalysisError, design_runs, find_designs, find_runs,
                                           need_columns, read_runs)
from sim.experiments.analysis.sensitivity import plot_sensitivity, sensitivity
from sim.experiments.analysis.discovery import discover, plot_discovery, top_dimension
from sim.experiments.analysis.policy import _matches, plot_policy, policy_effects

# --- command line -----------------------------------------------------------------------

def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", str(text)).strip("_")[:80] or "all"


def _out_dir(root: Path, out: Path | None) -> Path:
    target = (out or root / "report").resolve()
    if not target.is_relative_to(root.resolve()):
        raise AnalysisError(f"--out={str(out)!r}: must lie inside {root}")
    return target


def _filter_scenario(runs: pd.DataFrame, scenario: str | None) -> pd.DataFrame:
    if not scenario:
        return runs
    need_columns(runs, ["scenario"], "--scenario")
    sub = runs[runs["scenario"] == scenario]
    if sub.empty:
        present = ", ".join(sorted(runs["scenario"].astype(str).unique()))
        raise AnalysisError(f"--scenario={scenario!r}: no runs; present: {present}")
    return sub


def cmd_sensitivity(args) -> pd.DataFrame:
    from sim.io import atomic_write_bytes

    runs_path = find_runs(args.folder)
    runs = _filter_scenario(read_runs(runs_path), args.scenario)
    metrics = [m for m in args.metrics.split(",") if m] if args.metrics else None
    designs = find_designs(args.folder, runs, args.design)
    if len(designs) > 1:        # a folder of several jobs: those made for sensitivity
        designs = {job: d for job, d in designs.items() if d.kind in ("sobol", "morris")} or designs
    table = pd.concat([
        sensitivity(runs if job is None else runs[runs["job"].astype(str) == job], design,
                    metrics, num_resamples=args.resamples,
                    where=runs_path if job is None else f"{runs_path} (job {job})")
        for job, design in designs.items()], ignore_index=True)
    kinds = sorted({d.kind for d in designs.values()})
    out = _out_dir(args.folder, args.out)
    atomic_write_bytes(out / "sensitivity.csv", table.to_csv(index=False, float_format="%.5g").encode())
    groups = list(table["group"].unique())
    for g in groups:
        name = "sensitivity.png" if len(groups) == 1 else f"sensitivity-{_safe(g)}.png"
        part = table[table["group"] == g]
        plot_sensitivity(part, out / name, f"{g}: {int(part['points'].iloc[0])} design points, "
                                           f"{int(part['runs'].iloc[0])} runs")
    for g in groups:
        part = table[table["group"] == g]
        main_col = "ST" if part["method"].iloc[0] == "sobol" else "mu_star"
        sub = part[part[main_col].notna()] if main_col in part else part.iloc[:0]
        for output, part in sub.groupby("output", sort=False):
            top = part.sort_values(main_col, ascending=False).head(3)
            text = ", ".join(f"{r.label} {getattr(r, main_col):.2f}" for r in top.itertuples())
            print(f"{g} | {output}: {main_col} {text}")
    print(f"sensitivity ({', '.join(kinds)}; {len(groups)} group(s)) -> {out}/sensitivity.csv")
    return table


def cmd_discover(args) -> dict:
    from sim.io import atomic_write_bytes, atomic_write_text

    runs_path = find_runs(args.folder)
    runs = _filter_scenario(read_runs(runs_path), args.scenario)
    designs = find_designs(args.folder, runs, args.design, required=not args.inputs)
    params = [u for d in designs.values() for u in d.params]
    nominal = {u.key for u in params if u.kind == "categorical"}
    if args.inputs:
        inputs = [c for c in args.inputs.split(",") if c]
    else:
        inputs = list(dict.fromkeys(u.key for u in params))
        inputs += [c for c in (args.levers.split(",") if args.levers else []) if c]
    need_columns(runs, inputs, runs_path)
    if designs and not args.inputs:     # only the runs of the design(s), not plain scenario runs
        runs = pd.concat([design_runs(runs if job is None else runs[runs["job"].astype(str) == job], d)
                          for job, d in designs.items()])
    result = discover(runs, args.outcome, inputs, box=args.box, nominal=nominal)
    out = _out_dir(args.folder, args.out)
    stem = f"discover-{_safe(args.outcome)}"
    atomic_write_bytes(out / f"{stem}.csv",
                       result["trajectory"].to_csv(index=False, float_format="%.5g").encode())
    plot_discovery(result, out / f"{stem}.png",
                   f"Where {args.outcome} happens — PRIM on {result['n_runs']} runs "
                   f"({result['base_rate']:.0%} {args.outcome} overall)")
    text = (f"PRIM: {result['rule']}\nCART: {result['cart_rule']}\n\n"
            f"CART tree (class 1 = {args.outcome}):\n{result['cart_tree']}")
    atomic_write_text(out / f"{stem}.txt", text)
    print(f"PRIM: {result['rule']}")
    print(f"CART: {result['cart_rule']}")
    print(f"discover -> {out}/{stem}.png")
    return result


def cmd_policy(args) -> pd.DataFrame:
    from sim.io import atomic_write_bytes

    runs_path = find_runs(args.folder)
    runs = _filter_scenario(read_runs(runs_path), args.scenario)
    by = args.by
    if by == "auto":
        designs = find_designs(args.folder, runs, args.design)
        params = [u for d in designs.values() for u in d.params]
        keys = [k for k in dict.fromkeys(u.key for u in params) if k != args.lever]
        nominal = {u.key for u in params if u.kind == "categorical"}
        base = runs[_matches(runs[args.lever], args.off)] if args.lever in runs else runs
        by = top_dimension(discover(base, args.outcome, keys, nominal=nominal)) if args.outcome else None
        if by is None:
            raise AnalysisError("--by=auto: needs --outcome and a box that restricts an input")
    table = policy_effects(runs, args.lever, args.off, args.on, by=by)
    out = _out_dir(args.folder, args.out)
    path = out / f"policy-{_safe(args.lever)}-{_safe(args.on)}.csv"
    atomic_write_bytes(path, table.to_csv(index=False, float_format="%.4g").encode())
    plot_policy(table, path.with_suffix(".png"), f"{args.lever}: {args.off} → {args.on}")
    for r in table.itertuples():
        print(f"{r.region:>28} | {r.outcome:<13} {r.p_off:6.1%} -> {r.p_on:6.1%}  "
              f"change {r.change:+6.1%} (95% {r.low:+.1%} .. {r.high:+.1%}), {r.pairs} pairs")
    print(f"policy -> {path}")
    return table


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sim.experiments.analyze", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("folder", type=Path, help="a results folder (with report/runs.parquet)")
    common.add_argument("--design", type=Path, help="the design file (default: DIR/design.json)")
    common.add_argument("--scenario", help="only the runs of this scenario")
    common.add_argument("--out", type=Path, help="output folder inside DIR (default DIR/report)")
    s = sub.add_parser("sensitivity", parents=[common], help="Morris or Sobol indices")
    s.add_argument("--metrics", help="comma-separated numeric columns (default: *_index, "
                                     "weighted_density, cross_divide)")
    s.add_argument("--resamples", type=int, default=200, help="bootstrap resamples (default 200)")
    d = sub.add_parser("discover", parents=[common], help="PRIM boxes and a CART tree")
    d.add_argument("--outcome", required=True, help="the outcome class of interest")
    d.add_argument("--inputs", help="comma-separated input columns (default: the design's keys)")
    d.add_argument("--levers", help="extra lever columns to include with the design's keys")
    d.add_argument("--box", type=int, help="trajectory step to report (default: best "
                                           "harmonic mean of coverage and density)")
    q = sub.add_parser("policy", parents=[common], help="paired change of outcome shares")
    q.add_argument("--lever", required=True, help="column that holds the lever's setting "
                                                  "(a config key, or scenario)")
    q.add_argument("--off", required=True)
    q.add_argument("--on", required=True)
    q.add_argument("--by", help="split by terciles of this input ('auto': PRIM's top input "
                                "for --outcome)")
    q.add_argument("--outcome", help="outcome for --by auto")
    return p


def main(argv: list[str] | None = None):
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:       # argparse printed its usage line; keep status 2
        raise SystemExit(2 if exc.code else 0) from None
    if not args.folder.is_dir():
        fail(f"DIR={str(args.folder)!r}: not a folder")
    if args.command == "sensitivity" and args.resamples < 10:
        fail(f"--resamples={args.resamples}: at least 10")
    try:
        return {"sensitivity": cmd_sensitivity, "discover": cmd_discover,
                "policy": cmd_policy}[args.command](args)
    except (AnalysisError, DesignError) as exc:
        fail(str(exc))


if __name__ == "__main__":
    main()
