"""Scenario discovery: PRIM boxes (EMA Workbench) and a CART tree that cross-checks them,
as rules in words, and their plot."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis.runs import MIN_RUNS, AnalysisError, classes, need_columns

#: Depth of the CART tree that cross-checks PRIM (a readable tree of at most 8 leaves).
CART_DEPTH = 3


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
