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
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import fail
from sim.experiments.designs import Design, DesignError

#: Fewest runs (and design points for a design's analysis) worth analysing.
MIN_RUNS = 20
#: Metrics analysed by default when present (plus every column ending in ``_index``).
DEFAULT_METRICS = ("weighted_density", "cross_divide")
#: Depth of the CART tree that cross-checks PRIM (a readable tree of at most 8 leaves).
CART_DEPTH = 3
#: Preferred order of the outcome classes in tables and plots (others follow, sorted).
ORDER = ("collaboration", "bloc", "race")


class AnalysisError(ValueError):
    """Bad input for an analysis; the text is one line."""


# --- reading ---------------------------------------------------------------------------

def find_runs(root: Path) -> Path:
    for path in (root / "report" / "runs.parquet", root / "runs.parquet"):
        if path.is_file():
            return path
    raise AnalysisError(f"{root}: no runs table (report/runs.parquet or runs.parquet); "
                        f"build it with: python -m sim.experiments.report {root}")


def find_design(root: Path, explicit: Path | None = None, required: bool = True) -> Design | None:
    from sim.experiments import designs

    candidates = [explicit] if explicit else [
        root / name for name in ("design.json", "design.parquet", "report/design.json",
                                 "report/design.parquet")]
    for path in candidates:
        if path.is_file():
            return designs.load(path)
    if explicit:
        raise AnalysisError(f"--design={str(explicit)!r}: no such file")
    if required:
        raise AnalysisError(f"{root}: no design (design.json or design.parquet); "
                            f"pass --design FILE")
    return None


def find_designs(root: Path, runs: pd.DataFrame, explicit: Path | None = None,
                 required: bool = True) -> dict:
    """The designs of a results folder: one per job (``DIR/<job>/design.json`` for each
    ``job`` label of the runs table: a sweep runs a design per scenario, each narrowed to
    it) or a single one for every run (key ``None``: ``--design`` or ``DIR/design.json``)."""
    from sim.experiments import designs

    if explicit is None and "job" in runs.columns:
        per_job = {}
        for job in pd.unique(runs["job"].astype(str)):
            for name in ("design.json", "design.parquet"):
                path = root / job / name
                if path.is_file() and path.resolve().is_relative_to(root.resolve()):
                    per_job[job] = designs.load(path)
                    break
        if per_job:
            return per_job
    design = find_design(root, explicit, required)
    return {} if design is None else {None: design}


def design_runs(runs: pd.DataFrame, design: Design) -> pd.DataFrame:
    """The runs that belong to a design (a folder may also hold plain scenario runs): those
    with a ``design_point``, or, without that column, with every non-categorical design
    parameter set."""
    if "design_point" in runs.columns:
        sub = runs[runs["design_point"].notna()]
    else:
        keys = [u.key for u in design.params if u.kind != "categorical" and u.key in runs.columns]
        sub = runs[runs[keys].notna().all(axis=1)] if keys else runs
    return sub


def read_runs(path: Path) -> pd.DataFrame:
    try:
        runs = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise AnalysisError(f"{path}: not a readable Parquet table ({type(exc).__name__})") from None
    need_columns(runs, ("seed", "outcome"), path)
    if len(runs) < MIN_RUNS:
        raise AnalysisError(f"{path}: {len(runs)} runs; at least {MIN_RUNS} are needed")
    runs["outcome"] = runs["outcome"].astype(str)
    return runs


def need_columns(runs: pd.DataFrame, columns, where) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise AnalysisError(f"{where}: missing column(s) {', '.join(map(repr, missing))}; "
                            f"required: {', '.join(columns)}")


def classes(runs: pd.DataFrame) -> list[str]:
    """Outcome classes present, in the preferred order."""
    present = set(runs["outcome"].unique())
    return [c for c in ORDER if c in present] + sorted(present - set(ORDER))


def group_column(runs: pd.DataFrame) -> str | None:
    for col in ("job", "scenario"):
        if col in runs.columns:
            return col
    return None


def attach_points(runs: pd.DataFrame, design: Design, where) -> pd.DataFrame:
    """Make sure every run has its ``design_point`` (see the module docstring) and that
    the parameter columns agree with the design at that point."""
    need_columns(runs, ["seed", "outcome", *design.keys], where)
    runs = runs.copy()
    if "design_point" not in runs.columns:
        if "run_id" not in runs.columns:
            raise AnalysisError(f"{where}: missing column 'design_point' (and no 'run_id' "
                                f"to derive it from)")
        col = group_column(runs)
        keys = runs[col] if col else pd.Series(0, index=runs.index)
        seeds = runs.groupby(keys)["seed"].transform("nunique")
        runs["design_point"] = runs["run_id"].astype(np.int64) // seeds
    dp = pd.to_numeric(runs["design_point"], errors="coerce")
    if dp.isna().any() or (dp < 0).any() or (dp >= design.n_points).any() or (dp != dp.round()).any():
        raise AnalysisError(f"{where}: design_point must be whole numbers 0..{design.n_points - 1}")
    runs["design_point"] = dp.astype(np.int64)
    table = design.values().set_index("design_point")
    for key in design.keys:
        expected = table[key].reindex(runs["design_point"]).to_numpy()
        got = runs[key].to_numpy()
        try:        # numbers: vectorised, equal up to float round-off (NaN = missing = None)
            same = np.isclose(got.astype(float), expected.astype(float), rtol=1e-12, atol=0,
                              equal_nan=True)
        except (TypeError, ValueError):
            same = np.array([_same(a, b) for a, b in zip(got, expected)])
        if not same.all():
            k = int(np.argmin(same))
            raise AnalysisError(f"{where}: column {key!r} = {got[k]!r} at design point "
                                f"{runs['design_point'].iloc[k]}, the design has {expected[k]!r} "
                                f"(runs from another design?)")
    return runs


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and np.isnan(a)):
        return (a is None or (isinstance(a, float) and np.isnan(a))) and \
               (b is None or (isinstance(b, float) and np.isnan(b)))
    try:
        return bool(a == b) or (isinstance(a, (int, float)) and np.isclose(a, b, rtol=1e-12, atol=0))
    except TypeError:
        return str(a) == str(b)


def pick_metrics(runs: pd.DataFrame, asked: list[str] | None) -> list[str]:
    if asked:
        need_columns(runs, asked, "--metrics")
        bad = [m for m in asked if not pd.api.types.is_numeric_dtype(runs[m])]
        if bad:
            raise AnalysisError(f"--metrics={bad[0]!r}: not a numeric column")
        return asked
    found = [c for c in runs.columns if c.endswith("_index") and pd.api.types.is_numeric_dtype(runs[c])]
    return found + [m for m in DEFAULT_METRICS if m in runs.columns and m not in found]


# --- outputs per design point ----------------------------------------------------------

def point_outputs(runs: pd.DataFrame, n_points: int, outcomes: list[str], metrics: list[str]):
    """Per design point: ``Y`` (one column per output: ``share of <class>``, ``mean
    <metric>``) and the squared standard error of each (seed noise)."""
    g = runs.groupby("design_point")
    missing = sorted(set(range(n_points)) - set(g.groups))
    if missing:
        raise AnalysisError(f"{len(missing)} of {n_points} design points have no runs "
                            f"(first: {missing[0]}); finish the sweep first")
    n = g.size().reindex(range(n_points)).to_numpy(float)
    shares = pd.crosstab(runs["design_point"], runs["outcome"], normalize="index")
    shares = shares.reindex(index=range(n_points), columns=outcomes, fill_value=0.0)
    y, se2 = {}, {}
    for o in outcomes:
        p = shares[o].to_numpy(float)
        y[f"share {o}"] = p
        se2[f"share {o}"] = np.where(n > 1, p * (1 - p) / np.maximum(n - 1, 1), 0.0)
    for m in metrics:
        vals = g[m].mean().reindex(range(n_points)).to_numpy(float)
        var = g[m].var(ddof=1).reindex(range(n_points)).fillna(0.0).to_numpy(float)
        y[f"mean {m}"] = vals
        se2[f"mean {m}"] = var / n
    return pd.DataFrame(y), pd.DataFrame(se2)


# --- global sensitivity ------------------------------------------------------------------

def sensitivity(runs: pd.DataFrame, design: Design, metrics: list[str] | None = None,
                num_resamples: int = 200, conf_level: float = 0.95, seed: int = 0,
                where="runs") -> pd.DataFrame:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices with bootstrap intervals for every
    outcome share and metric, per job (or scenario). One row per group, output and
    parameter; ``*_low``/``*_high`` are the ``conf_level`` interval."""
    if design.kind not in ("sobol", "morris"):
        raise AnalysisError(f"design kind={design.kind!r}: sensitivity needs a sobol or morris "
                            f"design (a latin design serves discover and policy)")
    runs = attach_points(design_runs(runs, design), design, where)
    if len(runs) < MIN_RUNS:
        raise AnalysisError(f"{where}: {len(runs)} runs of the design; at least {MIN_RUNS} are needed")
    outcomes, metrics = classes(runs), pick_metrics(runs, metrics)
    col = group_column(runs)
    rows = []
    for label, sub in (runs.groupby(col, sort=False) if col else [("all", runs)]):
        y, se2 = point_outputs(sub, design.n_points, outcomes, metrics)
        for output in y.columns:
            values = y[output].to_numpy()
            var = float(np.var(values, ddof=1))
            noise = float(se2[output].mean() / var) if var > 0 else float("nan")
            base = {"group": label, "output": output, "mean": float(values.mean()),
                    "variance": var, "noise_share": noise, "method": design.kind,
                    "points": design.n_points, "runs": len(sub)}
            rows += _indices(design, values, num_resamples, conf_level, seed, base)
    return pd.DataFrame(rows)


def _indices(design: Design, y: np.ndarray, num_resamples, conf_level, seed, base) -> list[dict]:
    if not np.var(y) > 0:      # constant output: no variance to apportion
        return [{**base, "parameter": k, "label": u.label} for k, u in zip(design.keys, design.params)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if design.kind == "sobol":
            from SALib.analyze import sobol as salib_sobol

            res = salib_sobol.analyze(design.problem, y, calc_second_order=bool(
                design.options.get("calc_second_order")), num_resamples=num_resamples,
                conf_level=conf_level, seed=seed)
            cols = {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                    "ST_conf": res["ST_conf"]}
        else:
            from SALib.analyze import morris as salib_morris

            res = salib_morris.analyze(design.problem, design.samples, y,
                                       num_resamples=num_resamples, conf_level=conf_level,
                                       num_levels=int(design.options.get("num_levels", 4)),
                                       seed=seed)
            cols = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                    "sigma": res["sigma"], "mu": res["mu"]}
    out = []
    for j, (k, u) in enumerate(zip(design.keys, design.params)):
        row = {**base, "parameter": k, "label": u.label}
        for name, arr in cols.items():
            row[name] = float(np.asarray(arr)[j])
        for s in ("S1", "ST", "mu_star"):
            if s in row:
                row[f"{s}_low"] = row[s] - row[f"{s}_conf"]
                row[f"{s}_high"] = row[s] + row[f"{s}_conf"]
        if "ST" in row and np.isfinite(base["noise_share"]):
            # seed noise enters every total index (f(A) and f(AB_i) differ by noise even
            # for an inert input): ST - noise_share is the part above that floor
            row["ST_net"] = row["ST"] - base["noise_share"]
        out.append(row)
    return out


def plot_sensitivity(table: pd.DataFrame, path: Path, title: str) -> None:
    """One panel per output: horizontal bars with their intervals, parameters sorted by
    total effect (Sobol: ST and S1; Morris: mu* and sigma)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_savefig

    morris = table["method"].iloc[0] == "morris"
    main, second = ("mu_star", "sigma") if morris else ("ST", "S1")
    outputs = [o for o in table["output"].unique()
               if table.loc[table["output"] == o, main].notna().any()] if main in table else []
    if not outputs:
        return
    n = len(outputs)
    cols = min(3, n)
    nrows = -(-n // cols)
    k = table["parameter"].nunique()
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 0.8 + nrows * (0.9 + 0.28 * k)),
                             squeeze=False)
    for ax, output in zip(axes.flat, outputs):
        sub = table[table["output"] == output].sort_values(main)
        pos = np.arange(len(sub))
        ax.barh(pos + 0.2, sub[main], height=0.4, color="#1f77b4",
                xerr=sub[f"{main}_conf"].clip(lower=0), ecolor="#333", capsize=2,
                label="mu* (mean |effect|)" if morris else "total (ST)")
        ax.barh(pos - 0.2, sub[second], height=0.4, color="#ff7f0e" if morris else "#9ecae1",
                xerr=None if morris else sub["S1_conf"].clip(lower=0), ecolor="#333", capsize=2,
                label="sigma (interactions)" if morris else "first order (S1)")
        ax.set_yticks(pos, sub["label"], fontsize=8)
        noise = sub["noise_share"].iloc[0]
        if not morris and np.isfinite(noise) and noise > 0.005:
            ax.axvline(noise, color="#d62728", ls="--", lw=1,
                       label="seed-noise floor (an inert input's ST)")
        note = f"   seed noise {noise:.0%}" if np.isfinite(noise) else ""
        ax.set_title(f"{output}{note}", fontsize=9)
        ax.axvline(0, color="#999", lw=0.6)
        ax.tick_params(axis="x", labelsize=8)
        if not morris:
            ax.set_xlim(-0.05, 1.05)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = {}, {}
    for ax in axes.flat:            # every kind of mark once, from whichever panel has it
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    handles, labels = list(handles.values()), list(handles)
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    what = ("Morris screening: mu* with its 95% bootstrap interval" if morris else
            "Sobol indices with 95% bootstrap intervals (share of the output's variance)")
    fig.suptitle(f"{title} — {what}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


# --- scenario discovery -----------------------------------------------------------------

def _inputs_frame(runs: pd.DataFrame, inputs: list[str], nominal: set = frozenset()) -> pd.DataFrame:
    """PRIM's inputs: numbers stay numbers; options (categorical parameters, text, bools)
    become text categories, a missing option (None) reading ``null``."""
    x = pd.DataFrame(index=runs.index)
    for col in inputs:
        s = runs[col]
        if col in nominal or pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            x[col] = [("null" if v is None or (isinstance(v, float) and np.isnan(v)) else
                       str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                      for v in s]
            continue
        if s.isna().any():
            raise AnalysisError(f"input {col!r} is missing in {int(s.isna().sum())} runs "
                                f"(runs from different designs?); choose one --scenario")
        x[col] = s.astype(np.int64 if pd.api.types.is_integer_dtype(s) else float)
    return x.reset_index(drop=True)


def short_labels(columns) -> dict[str, str]:
    """Config keys without their group, unless that makes two the same."""
    short = {c: c.rsplit(".", 1)[-1] for c in columns}
    counts = pd.Series(list(short.values())).value_counts()
    return {c: (s if counts[s] == 1 else ".".join(c.rsplit(".", 2)[-2:])) for c, s in short.items()}


def box_rule(limits: pd.DataFrame, initial: pd.DataFrame, labels: dict) -> list[str]:
    """The restrictions of a box, as readable conditions."""
    parts = []
    for col in limits.columns:
        lo, hi = limits[col].iloc[0], limits[col].iloc[1]
        lo0, hi0 = initial[col].iloc[0], initial[col].iloc[1]
        name = labels.get(col, col)
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                parts.append(f"{name} in {{{', '.join(sorted(map(str, lo)))}}}")
            continue
        low_cut, high_cut = lo > lo0, hi < hi0
        if low_cut and high_cut:
            parts.append(f"{_num(lo)} <= {name} <= {_num(hi)}")
        elif low_cut:
            parts.append(f"{name} >= {_num(lo)}")
        elif high_cut:
            parts.append(f"{name} <= {_num(hi)}")
    return parts


def _num(v) -> str:
    return f"{v:.3g}"


def sentence(outcome: str, density: float, coverage: float, conditions: list[str]) -> str:
    when = " and ".join(conditions) if conditions else "anywhere (no restriction)"
    return (f"{outcome} in {density:.0%} of runs when {when}; covers {coverage:.0%} of all "
            f"{outcome} runs")


def choose_box(trajectory: pd.DataFrame) -> int:
    """The trajectory step with the best balance of coverage and density: the highest
    harmonic mean of the two (a fixed, stated rule; pass --box to choose another)."""
    c, d = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    f = np.where(c + d > 0, 2 * c * d / np.maximum(c + d, 1e-12), 0.0)
    return int(np.argmax(f))


def discover(runs: pd.DataFrame, outcome: str, inputs: list[str], box: int | None = None,
             peel_alpha: float = 0.05, mass_min: float = 0.05, seed: int = 0,
             nominal=()) -> dict:
    """PRIM (EMA Workbench) for the runs that end in ``outcome``, with CART as a cross-check.

    Returns the peeling trajectory, the chosen step, its limits, quasi-p values, the rule
    as a sentence, and CART's best leaf as a sentence and its tree as text."""
    present = classes(runs)
    if outcome not in present:
        raise AnalysisError(f"--outcome={outcome!r}: not in the results; present: {', '.join(present)}")
    need_columns(runs, inputs, "runs")
    if len(runs) < MIN_RUNS:
        raise AnalysisError(f"{len(runs)} runs; at least {MIN_RUNS} are needed")
    y = (runs["outcome"] == outcome).to_numpy()
    if y.all():
        raise AnalysisError(f"--outcome={outcome!r}: every run ends in it; nothing to discover")
    x = _inputs_frame(runs, inputs, set(nominal))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart as ema_cart
        from ema_workbench.analysis import prim as ema_prim
        from sklearn.tree import DecisionTreeClassifier, export_text

        prim = ema_prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        found = prim.find_box()
        trajectory = found.peeling_trajectory.copy()
        i = choose_box(trajectory) if box is None else box
        if not 0 <= i < len(trajectory):
            raise AnalysisError(f"--box={box}: the trajectory has steps 0..{len(trajectory) - 1}")
        found.select(i)
        limits = found.box_lims[i]
        qp = found.p_values[i]
        labels = short_labels(inputs)
        conditions = box_rule(limits, prim.box_init, labels)
        row = trajectory.iloc[i]
        rule = sentence(outcome, float(row["density"]), float(row["coverage"]), conditions)

        cart = ema_cart.CART(x, y.astype(int), mass_min=mass_min)
        # EMA's CART grows the tree to leaves of mass_min; a cross-check must be readable,
        # so the same classifier is limited to CART_DEPTH levels (EMA reads its boxes)
        cart.clf = DecisionTreeClassifier(min_samples_leaf=max(1, int(mass_min * len(x))),
                                          max_depth=CART_DEPTH, random_state=seed)
        cart.clf.fit(cart._x, cart.y)
        cart_rule = _cart_rule(cart, y, outcome, labels)
        tree = export_text(cart.clf, feature_names=[labels.get(c, c) for c in cart.feature_names],
                           class_names=["other", outcome], decimals=3)
    trajectory["chosen"] = trajectory.index == i
    return {"outcome": outcome, "base_rate": float(y.mean()), "n_runs": len(y),
            "trajectory": trajectory, "chosen": i, "limits": limits, "initial": prim.box_init,
            "quasi_p": qp, "conditions": conditions, "rule": rule, "cart_rule": cart_rule,
            "cart_tree": tree, "labels": labels, "inputs": inputs}


def _cart_rule(cart, y: np.ndarray, outcome: str, labels: dict) -> str:
    """The CART node (leaf or inner) where ``outcome`` is the majority with the best
    harmonic mean of coverage and density, as a sentence. Conditions on the same input
    along the path are merged; a nominal input reads ``input = value`` / ``!= value``."""
    tree = cart.clf.tree_
    total = max(float(y.sum()), 1.0)
    best, stack = None, [(0, [])]
    while stack:
        node, path = stack.pop()
        n = float(tree.n_node_samples[node])
        frac = tree.value[node][0]
        density = float(frac[1] / frac.sum()) if len(frac) > 1 else 0.0
        coverage = density * n / total
        if density > 0.5 and node != 0:
            f = 2 * coverage * density / (coverage + density)
            if best is None or f > best[0]:
                best = (f, density, coverage, path)
        if tree.children_left[node] >= 0:
            name, t = cart.feature_names[tree.feature[node]], float(tree.threshold[node])
            stack.append((tree.children_left[node], path + [(name, "<=", t)]))
            stack.append((tree.children_right[node], path + [(name, ">", t)]))
    if best is None:
        return f"no CART node where {outcome} is the majority"
    return sentence(outcome, best[1], best[2], _path_conditions(best[3], cart.sep, labels))


def _path_conditions(path, sep: str, labels: dict) -> list[str]:
    lows, highs, nominal = {}, {}, []
    for name, op, t in path:
        if sep in name:
            col, value = name.split(sep, 1)
            nominal.append(f"{labels.get(col, col)} {'!=' if op == '<=' else '='} {value}")
        elif op == "<=":
            highs[name] = min(highs.get(name, np.inf), t)
        else:
            lows[name] = max(lows.get(name, -np.inf), t)
    out = []
    for col in dict.fromkeys([*lows, *highs]):
        name = labels.get(col, col)
        if col in lows and col in highs:
            out.append(f"{_num(lows[col])} < {name} <= {_num(highs[col])}")
        elif col in lows:
            out.append(f"{name} > {_num(lows[col])}")
        else:
            out.append(f"{name} <= {_num(highs[col])}")
    return out + nominal


def plot_discovery(result: dict, path: Path, title: str) -> None:
    """Left: the peeling trajectory (coverage against density, colour = restricted
    dimensions, the chosen box circled). Right: the chosen box's limits on each
    restricted input, as a share of the input's full range."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_savefig

    traj, i = result["trajectory"], result["chosen"]
    limits, initial, labels = result["limits"], result["initial"], result["labels"]
    restricted = [c for c in limits.columns if c in result["quasi_p"]]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.4), gridspec_kw={"width_ratios": [1, 1.1]})
    sc = a.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
    a.plot(traj["coverage"], traj["density"], color="#bbb", lw=0.8, zorder=0)
    a.scatter([traj["coverage"][i]], [traj["density"][i]], s=160, facecolors="none",
              edgecolors="#d62728", lw=1.8, label=f"chosen box (step {i})")
    a.axhline(result["base_rate"], color="#777", ls="--", lw=0.8,
              label=f"share in all runs ({result['base_rate']:.0%})")
    a.set_xlabel(f"coverage (share of all {result['outcome']} runs inside the box)")
    a.set_ylabel(f"density (share of runs inside that are {result['outcome']})")
    a.set_xlim(-0.02, 1.02)
    a.set_ylim(0, 1.02)
    a.legend(fontsize=8, loc="lower left")
    from matplotlib.ticker import MaxNLocator

    fig.colorbar(sc, ax=a, label="restricted inputs", ticks=MaxNLocator(integer=True))
    a.set_title("PRIM peeling trajectory", fontsize=10)
    if restricted:
        for k, col in enumerate(restricted):
            lo, hi = limits[col].iloc[0], limits[col].iloc[1]
            lo0, hi0 = initial[col].iloc[0], initial[col].iloc[1]
            if isinstance(lo, (set, frozenset)):
                text = "kept: {" + ", ".join(sorted(map(str, lo))) + "}"
                b.barh(k, 1, color="#2ca02c", alpha=0.35)
                b.text(0.5, k, text, ha="center", va="center", fontsize=9)
                continue
            span = (hi0 - lo0) or 1.0
            b.barh(k, 1, color="#eee")
            b.barh(k, (hi - lo) / span, left=(lo - lo0) / span, color="#2ca02c", alpha=0.8)
            if lo > lo0:
                b.text((lo - lo0) / span, k + 0.45, f"≥ {_num(lo)}", ha="center", fontsize=8)
            if hi < hi0:
                b.text((hi - lo0) / span, k + 0.45, f"≤ {_num(hi)}", ha="center", fontsize=8)
        qp = result["quasi_p"]

        def span(c):
            lo0, hi0 = initial[c].iloc[0], initial[c].iloc[1]
            if isinstance(lo0, (set, frozenset)):
                return "options " + ", ".join(sorted(map(str, lo0)))
            return f"range {_num(lo0)}–{_num(hi0)}"

        b.set_yticks(range(len(restricted)),
                     [f"{labels.get(c, c)}\n{span(c)}"
                      f"\nquasi-p {max(np.atleast_1d(qp[c]).astype(float)):.1g}"
                      for c in restricted], fontsize=8)
        b.set_xlim(-0.05, 1.05)
        b.set_ylim(-0.6, len(restricted) - 0.1)
        b.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"], fontsize=8)
    else:
        b.text(0.5, 0.5, "no restriction", ha="center")
        b.axis("off")
    row = traj.iloc[i]
    b.set_title(f"chosen box: density {row['density']:.0%}, coverage {row['coverage']:.0%}, "
                f"{int(row['n'])} runs", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


def top_dimension(result: dict) -> str | None:
    """The restricted input with the smallest quasi-p value of a discovery result."""
    qp = result["quasi_p"]
    if not qp:
        return None
    return min(qp, key=lambda c: float(np.nanmax(np.atleast_1d(qp[c]).astype(float))))


# --- the policy view ----------------------------------------------------------------------

def _matches(series: pd.Series, value: str) -> pd.Series:
    text = series.astype(str)
    hit = text == str(value)
    num = pd.to_numeric(series, errors="coerce")
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = None
    if v is not None:
        hit |= np.isclose(num.to_numpy(float), v, equal_nan=False)
    if str(value).lower() in ("null", "none", "nan"):
        hit |= series.isna()
    return hit


def pair_runs(runs: pd.DataFrame, lever: str, off, on) -> tuple[pd.DataFrame, list[str]]:
    """Runs with the lever off and on, paired on (design point, seed) — or on the seed
    alone when there is no design point (paired seeds, scenario against status quo)."""
    need_columns(runs, ["seed", "outcome", lever], "runs")
    keys = ["design_point", "seed"] if "design_point" in runs.columns else ["seed"]
    a, b = runs[_matches(runs[lever], off)], runs[_matches(runs[lever], on)]
    for name, side, value in (("--off", a, off), ("--on", b, on)):
        if side.empty:
            present = ", ".join(map(str, pd.unique(runs[lever].astype(str))[:12]))
            raise AnalysisError(f"{name}={value!r}: no runs with {lever} = {value}; present: {present}")
        if side.duplicated(keys).any():
            raise AnalysisError(f"{name}={value!r}: several runs share a {' and '.join(keys)}; "
                                f"cannot pair (filter with --scenario)")
    pairs = a.merge(b, on=keys, suffixes=("_off", "_on"))
    if len(pairs) < MIN_RUNS:
        raise AnalysisError(f"{len(pairs)} paired runs ({lever} = {off} vs {on}); at least "
                            f"{MIN_RUNS} are needed")
    return pairs, keys


def policy_effects(runs: pd.DataFrame, lever: str, off, on, by: str | None = None,
                   bins: int = 3, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The change in each outcome's probability when the lever goes from ``off`` to ``on``,
    with a 95% paired-bootstrap interval: overall and, with ``by``, in each of ``bins``
    quantile bins of that input (so a reader sees where the lever stops helping).

    Columns: region, outcome, pairs, p_off, p_on, change, low, high."""
    from scipy.stats import bootstrap

    pairs, _ = pair_runs(runs, lever, off, on)
    regions = [("all", np.ones(len(pairs), bool))]
    if by:
        col = by if by in pairs.columns else f"{by}_off"
        if col not in pairs.columns:
            raise AnalysisError(f"--by={by!r}: not a column of the runs table")
        values = pd.to_numeric(pairs[col], errors="coerce")
        if values.isna().any():
            raise AnalysisError(f"--by={by!r}: not numeric in every run")
        cut = pd.qcut(values, bins, duplicates="drop")
        for interval in cut.cat.categories:
            mask = (cut == interval).to_numpy()
            inside = values[mask]         # label with the values present, not qcut's padded edge
            lo, hi = _num(inside.min()), _num(inside.max())
            name = short_labels([by])[by]
            regions.append((f"{name} = {lo}" if lo == hi else f"{name} {lo}–{hi}", mask))
    rng = np.random.default_rng(seed)
    rows = []
    for name, mask in regions:
        sub = pairs[mask]
        for o in classes(runs):
            y0 = (sub["outcome_off"] == o).to_numpy(float)
            y1 = (sub["outcome_on"] == o).to_numpy(float)
            d = y1 - y0
            if len(d) < 2 or np.all(d == d[0]):
                low = high = float(d.mean()) if len(d) else float("nan")
            else:
                ci = bootstrap((d,), np.mean, n_resamples=n_resamples, method="percentile",
                               confidence_level=0.95, rng=rng).confidence_interval
                low, high = float(ci.low), float(ci.high)
            rows.append({"lever": lever, "off": str(off), "on": str(on), "region": name,
                         "outcome": o, "pairs": len(d), "p_off": y0.mean(), "p_on": y1.mean(),
                         "change": d.mean(), "low": low, "high": high})
    return pd.DataFrame(rows)


def plot_policy(table: pd.DataFrame, path: Path, title: str) -> None:
    """The change of each outcome's probability (points) with its 95% interval (bars),
    overall and per region, one row per region and a colour per outcome."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_savefig

    colours = {"collaboration": "#2ca02c", "bloc": "#ff7f0e", "race": "#7f1d1d"}
    regions = list(dict.fromkeys(table["region"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * len(regions) * max(1, len(outcomes)) / 2))
    step = 0.8 / max(len(outcomes), 1)
    for k, o in enumerate(outcomes):
        sub = table[table["outcome"] == o].set_index("region").reindex(regions)
        pos = np.arange(len(regions))[::-1] + 0.4 - step * (k + 0.5)
        err = np.vstack([sub["change"] - sub["low"], sub["high"] - sub["change"]]).clip(min=0)
        ax.errorbar(sub["change"], pos, xerr=err, fmt="o", color=colours.get(o, f"C{k}"),
                    capsize=3, label=o)
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_yticks(np.arange(len(regions))[::-1],
                  [f"{r}\n({int(table.loc[table['region'] == r, 'pairs'].iloc[0])} pairs)"
                   for r in regions], fontsize=8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("change in the outcome's probability (lever on − off)\n"
                  "with its 95% paired-bootstrap interval")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


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
