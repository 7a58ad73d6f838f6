"""The sweep report's tables, labels, plots and reproducibility (issue 14, items 11 and 12).

Two small real sweeps, made in-process once: the README's grid example (4 x 3 points,
status_quo) and its ``threat`` multirun (two scenarios x three threat levels, one job
each), 2 seeds per point. Plots are checked as matplotlib figures (every text inside
the figure, no two panel titles overlapping, every group drawn), tables as files.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim.experiments import manifest, plots, report  # noqa: E402
from sim.experiments.plan import apply_point  # noqa: E402
from sim.config.schema import compose
from sim.config.plain import to_plain  # noqa: E402
from sim.experiments.sweep import run_job  # noqa: E402
from sim.experiments.stats import wilson  # noqa: E402
from sim.experiments.summary import short_keys  # noqa: E402

SEEDS = 2
GRID = {"world.threat_perception": [0.5, 1, 1.5, 2], "world.rules_of_the_road": [0, 0.5, 1]}
THREATS = (0.5, 1.0, 1.5)


def _job(root: Path, folder: str, overrides: list[str], point: dict) -> None:
    plain = apply_point(to_plain(compose([o for o in overrides if "sweep." not in o])),
                        {"sweep.seeds": SEEDS, "sweep.progress": False,
                         "sweep.executor": "serial", **point})
    run_job(plain, root / folder, overrides)


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    grid = base / "grid"
    _job(grid, "+sweep.grid=x", ["+sweep.grid=x"], {"sweep.grid": GRID})
    threat = base / "threat"
    for scenario in ("status_quo", "cold_war_race"):
        for t in THREATS:
            over = [f"scenario={scenario}", f"world.threat_perception={t}"]
            _job(threat, ",".join(over), over, {"world.threat_perception": t})
    null = base / "null"
    _job(null, "+sweep.grid=y", ["+sweep.grid=y"],
         {"sweep.grid": {"mechanisms.wolf_amendment.repeal_year": [None, 2030]}})
    return {"grid": grid, "threat": threat, "null": null}


@pytest.fixture(scope="module")
def tables(sweeps):
    """The report without plots, of each sweep."""
    return {name: report.build(root, plots=False, quiet=True) for name, root in sweeps.items()}


# --- rows named by what differs ------------------------------------------------------------

def test_grid_rows_are_named_by_their_grid_values(tables, sweeps):
    page = (sweeps["grid"] / "report" / "index.html").read_text()
    first_table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", first_table)
    cells = [tuple(re.findall(r"<td>([^<]*)</td>", row)) for row in rows]
    assert len(cells) == 12 and len(set(cells)) == 12, cells
    assert "<th>threat_perception</th>" in page and "<th>rules_of_the_road</th>" in page
    summary = pd.read_csv(sweeps["grid"] / "report" / "summary.csv")
    assert len(summary) == 12
    assert {"world.threat_perception", "world.rules_of_the_road"} <= set(summary.columns)
    expected = {f"threat_perception={t:g}, rules_of_the_road={r:g}"
                for t in GRID["world.threat_perception"] for r in GRID["world.rules_of_the_road"]}
    assert set(summary["label"]) == expected


def test_multirun_rows_are_named_by_scenario_and_value(sweeps, tables):
    page = (sweeps["threat"] / "report" / "index.html").read_text()
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    cells = [tuple(re.findall(r"<td>([^<]*)</td>", row)) for row in rows]
    assert len(cells) == 6 and len(set(cells)) == 6, cells
    summary = pd.read_csv(sweeps["threat"] / "report" / "summary.csv")
    assert len(summary) == 6
    assert set(summary["label"]) == {f"{s} · threat_perception={t:g}"
                                     for s in ("status_quo", "cold_war_race") for t in THREATS}


def test_null_grid_value_keeps_its_column(sweeps, tables):
    summary = pd.read_csv(sweeps["null"] / "report" / "summary.csv", keep_default_na=False)
    key = "mechanisms.wolf_amendment.repeal_year"
    assert key in summary.columns
    assert sorted(summary[key].astype(str)) == ["2030", "null"]
    assert sorted(summary["label"]) == ["repeal_year=2030", "repeal_year=null"]


def test_short_keys_stay_unique():
    keys = ["world.threat_perception", "a.strength", "b.strength", "world.rules_of_the_road"]
    assert short_keys(keys) == {"world.threat_perception": "threat_perception",
                                       "a.strength": "a.strength", "b.strength": "b.strength",
                                       "world.rules_of_the_road": "rules_of_the_road"}


# --- summary.csv digits and a byte-reproducible page -----------------------------------------

def test_wilson_bounds_are_exact_at_the_ends():
    low, high = wilson(np.array([0, 400, 3]), np.array([400, 400, 10]))
    assert low[0] == 0.0 and high[1] == 1.0
    assert 0 < low[2] < 0.3 < high[2] < 1


def test_summary_csv_has_no_floating_point_noise(sweeps, tables):
    text = (sweeps["threat"] / "report" / "summary.csv").read_text()
    assert not re.search(r"\de-\d", text), text      # no 8.674e-19 for a bound of 0
    summary = pd.read_csv(io.StringIO(text))
    shares = summary.filter(like="share_")
    assert (shares.round(4) == shares).all().all()


def test_same_results_give_the_same_page_bytes(sweeps, monkeypatch, tmp_path):
    """index.html and summary.csv are the same bytes when the report is built again
    later (the build time stays in manifest.json, which is not committed)."""
    out = sweeps["threat"] / "report"
    before = {n: (out / n).read_bytes() for n in ("index.html", "summary.csv")}
    monkeypatch.setattr(manifest, "now", lambda: "2099-01-01T00:00:00+00:00")
    report.build(sweeps["threat"], plots=False, quiet=True)
    after = {n: (out / n).read_bytes() for n in ("index.html", "summary.csv")}
    assert after == before
    assert b"2099" not in after["index.html"]
    assert '"built": "2099-01-01' in (out / "manifest.json").read_text()


# --- plots: every text inside the figure, titles apart, every group drawn ---------------------

@pytest.fixture(scope="module")
def figures(sweeps, tables):
    """The grid report's and the multirun report's figures, kept open (not saved)."""
    drawn = {}
    real_save = plots.save_figure

    def keep(fig, out, name):
        drawn[(out.parent.name, name)] = fig

    plots.save_figure = keep
    try:
        for name in ("grid", "threat"):
            t = tables[name]
            runs, jobs = t["runs"], t["jobs"]
            plots.sweep_figures(runs, t["summary"], t["series"], jobs, t["out"],
                                lambda g, runs=runs, jobs=jobs: report.representative(runs, jobs, g))
    finally:
        plots.save_figure = real_save
    for fig in drawn.values():
        fig.canvas.draw()               # lay each figure out once, as saving it would
    yield drawn
    plt.close("all")


def test_every_text_lies_inside_its_figure(figures):
    """Nothing drawn (titles, tick labels, legends) reaches beyond the figure's edges,
    where it would be cut off in the PNG."""
    for (sweep, name), fig in figures.items():
        r = fig.canvas.get_renderer()
        box = fig.bbox
        parts = [fig._suptitle, *fig.legends, *(ax for ax in fig.axes if ax.get_visible())]
        for part in parts:
            if part is None:
                continue
            ext = part.get_tightbbox(r) if hasattr(part, "get_tightbbox") else part.get_window_extent(r)
            what = getattr(part, "get_text", lambda: None)() or getattr(
                getattr(part, "title", None), "get_text", lambda: type(part).__name__)()
            assert (ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1 and ext.y0 >= box.y0 - 1
                    and ext.y1 <= box.y1 + 1), f"{sweep}/{name}: {what!r} is cut off ({ext})"


def test_panel_titles_do_not_overlap(figures):
    for (sweep, name), fig in figures.items():
        r = fig.canvas.get_renderer()
        titles = [(ax.title.get_text(), ax.title.get_window_extent(r)) for ax in fig.axes
                  if ax.get_visible() and ax.title.get_text()]
        for i, (a, ea) in enumerate(titles):
            for b, eb in titles[i + 1:]:
                assert not ea.overlaps(eb), f"{sweep}/{name}: titles {a!r} and {b!r} overlap"


def test_every_group_is_drawn_and_named(figures, tables):
    for sweep in ("grid", "threat"):
        labels = set(tables[sweep]["summary"]["label"])
        for name in ("timeseries_cooperation", "camps_stacked", "networks"):
            fig = figures[(sweep, name)]
            titles = [ax.title.get_text().replace("\n", " ") for ax in fig.axes
                      if ax.get_visible() and ax.title.get_text()]
            assert len(titles) == len(labels), (sweep, name, titles)
            for label in labels:
                assert any(t.startswith(label) for t in titles), (sweep, name, label, titles)
        ticks = [t.get_text().replace("\n", " ") for t in
                 figures[(sweep, "outcome_shares")].axes[0].get_yticklabels()]
        assert {t.rsplit("  (n=", 1)[0] for t in ticks} == labels
