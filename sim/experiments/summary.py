"""A sweep's runs summarised: groups named by what differs between them, the summary table
(outcome shares with Wilson intervals, means) and the yearly series per group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.experiments.stats import wilson
from sim.mesa.columns import MODEL_COLUMNS
from sim.outcome.rule import OUTCOMES

#: the model table's columns (the yearly series a run stores)
SERIES = list(MODEL_COLUMNS)
#: the per-run columns the report computes with (beyond the run's coordinates)
MEAN_COLUMNS = ("bloc", "race", "collaboration", "us_china", "cross_divide", "hedger_share",
                "west_followers", "east_followers", "density", "weighted_density", "modularity",
                "role_us_led", "role_china_led", "role_bridge", "role_hedger", "role_non_aligned",
                "final_members_artemis", "final_members_ilrs",
                "final_members_tiangong", "final_programme_hedgers", "final_racing_spending",
                "final_science_output")

#: keys that name a bundle of settings, shown only when nothing else tells groups apart
BUNDLE_KEYS = ("experiment",)


def fmt_value(value) -> str:
    """A swept value as a user would type it: null, 0.5, 2040, cold_war_race."""
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _typed(text: str):
    """A command-line value as a number when it reads as one (``1.0`` -> 1.0)."""
    if text == "null":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def short_keys(keys: list[str]) -> dict[str, str]:
    """The shortest dotted suffix of each key that is still unique among ``keys``."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(1 for k in keys if k == tail or k.endswith("." + tail)) == 1:
                break
        out[key] = tail
    return out


def label_groups(runs: pd.DataFrame, jobs: list[dict]) -> None:
    """Add ``point`` (grid point index), ``group`` (job and grid point) and ``label``
    (what tells the group apart from the others: the scenario when it differs and the
    swept values, short keys) to ``runs``; ``runs.attrs`` gets ``swept`` (the keys
    that vary, long names), ``coords`` ({group: {key: value}}) and ``labels``."""
    by_label = {j["label"]: j for j in jobs}
    n_seeds = runs["job"].map({k: len(j["plan"].seeds) * max(j["plan"].design_n, 1)
                               for k, j in by_label.items()})
    runs["point"] = (runs["run_id"] // n_seeds).astype(int)
    coords: dict[str, dict] = {}
    group_of = {}
    for (label, point), _ in runs.groupby(["job", "point"], sort=False):
        job = by_label[label]
        values = {"scenario": job["scenario"]}
        values.update({k: _typed(v) for k, v in job["coarse"].items() if k != "scenario"})
        values.update(job["group_points"][point])
        text = ",".join(f"{k}={fmt_value(v)}" for k, v in job["group_points"][point].items())
        group = label + (f" | {text}" if text else "")
        coords[group], group_of[(label, point)] = values, group
    runs["group"] = [group_of[key] for key in zip(runs["job"], runs["point"])]
    keys = list(dict.fromkeys(k for c in coords.values() for k in c))
    swept = [k for k in keys if len({fmt_value(c[k]) if k in c else "\0" for c in coords.values()}) > 1]
    shown = [k for k in swept if k != "scenario"]
    for key in BUNDLE_KEYS:
        if key in shown:
            rest = [k for k in shown if k != key]
            if len(set(_labels(coords, swept, rest).values())) == len(coords):
                shown = rest
    labels = _labels(coords, swept, shown)
    # grid and coarse values as columns (numbers where the values are numbers)
    for key in keys:
        if key == "scenario":
            continue
        column = runs["group"].map({g: c.get(key, np.nan) for g, c in coords.items()})
        if key in runs:                 # a design's own value where the group has none
            column = column.where(runs["group"].map({g: key in c for g, c in coords.items()}),
                                  runs[key])
        runs[key] = _numeric(column)
    runs["label"] = runs["group"].map(labels)
    runs.attrs.update(swept=[k for k in swept if k != "scenario"], coords=coords, labels=labels)


def _labels(coords: dict, swept: list[str], shown: list[str]) -> dict[str, str]:
    short = short_keys(shown)
    out = {}
    for group, c in coords.items():
        parts = [c["scenario"]] if "scenario" in swept else []
        values = ", ".join(f"{short[k]}={fmt_value(c[k])}" for k in shown if k in c)
        parts += [values] if values else []
        out[group] = " · ".join(parts) or c["scenario"]
    return out


def _numeric(series: pd.Series) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    ok = series.isna() | converted.notna()
    return converted if ok.all() else series.astype(object)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per group: its label and swept values (``null`` for a null value), runs, outcome
    shares with 95% Wilson intervals, mean metrics."""
    swept = runs.attrs.get("swept", [])
    coords = runs.attrs.get("coords", {})
    g = runs.groupby("group", sort=False)
    first = g[["label", "job", "scenario"]].first().reset_index()
    for key in swept:
        first[key] = [_cell(coords.get(grp, {}), key) for grp in first["group"]]
    out = pd.concat([first, g.size().rename("runs").reset_index(drop=True)], axis=1)
    for o in OUTCOMES:
        k = g["outcome"].apply(lambda s, o=o: int((s == o).sum())).to_numpy()
        lo, hi = wilson(k, out["runs"].to_numpy())
        out[f"share_{o}"] = k / out["runs"]
        out[f"share_{o}_low"], out[f"share_{o}_high"] = lo, hi
    means = g[list(MEAN_COLUMNS)].mean().reset_index(drop=True).add_prefix("mean_")
    return pd.concat([out, means], axis=1)


def _cell(coords: dict, key: str):
    if key not in coords:
        return np.nan                    # the key is not one of this group's coordinates
    value = coords[key]
    return "null" if value is None else value


def summary_csv(summary: pd.DataFrame) -> bytes:
    """summary.csv: shares and bounds to 4 decimals, means to 4 significant digits (and
    nothing printed as floating-point noise, e.g. 8.7e-19 for a bound of 0)."""
    table = summary.copy()
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            digits = 4 if col.startswith("share_") else 6
            table[col] = table[col].round(digits) + 0.0        # + 0.0: no "-0"
    return table.to_csv(index=False, float_format="%.4g", lineterminator="\n").encode()


def aggregate_series(runs: pd.DataFrame, jobs: list[dict]) -> pd.DataFrame:
    """Median and interquartile range per group, year and metric (read metric by metric)."""
    group_of = runs.set_index(["job", "run_id"])["group"]
    parts = []
    for job in jobs:
        if not job["chunks"]:
            continue
        paths = [job["store"].paths(k)[1] for k in job["chunks"]]
        ids = pq.ParquetDataset(paths).read(columns=["run_id", "year"]).to_pandas()
        groups = group_of.loc[job["label"]].reindex(ids["run_id"]).to_numpy()
        for start in range(0, len(SERIES), 9):
            cols = SERIES[start:start + 9]
            data = pq.ParquetDataset(paths).read(columns=cols).to_pandas()
            data["group"], data["year"] = groups, ids["year"].to_numpy()
            q = data.groupby(["group", "year"])[cols].quantile([0.25, 0.5, 0.75])
            q.index = q.index.set_names("q", level=2)
            parts.append(q.stack().rename("value").reset_index().rename(columns={"level_3": "metric"}))
    if not parts:
        return pd.DataFrame(columns=["group", "year", "metric", "q25", "median", "q75"])
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot_table(index=["group", "year", "metric"], columns="q", values="value")
    wide.columns = ["q25", "median", "q75"]
    return wide.reset_index()


#: most groups drawn as panels (a larger grid is shown by the phase diagram and the tables)
MAX_PANELS = 12


def scenario_groups(runs: pd.DataFrame, jobs) -> list[str]:
    """Groups that are whole scenarios (jobs without a grid), in job order; without
    any, the first :data:`MAX_PANELS` grid points."""
    single = {j["label"] for j in jobs if len(j["points"]) <= 1}
    groups = list(dict.fromkeys(runs.loc[runs["job"].isin(single), "group"]))
    return (groups or list(dict.fromkeys(runs["group"])))[:MAX_PANELS]


def group_names(runs: pd.DataFrame, groups: list[str]) -> dict[str, str]:
    """Display names: what tells each group apart (scenario and swept values, short)."""
    labels = runs.attrs.get("labels") or runs.drop_duplicates("group").set_index("group")["label"]
    return {g: labels[g] for g in groups}
