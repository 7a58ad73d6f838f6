"""Play the new space race year by year: a Mesa ``SolaraViz`` page over
:class:`~sim.mesa.model.SpaceRaceModel`.

    scripts/app                                   # set up (first time), serve on 127.0.0.1:8765
    solara run sim.mesa.app --host 127.0.0.1           # the same, where the app extra is installed

Pick a scenario, a seed, levers and uncertainties in the sidebar, press *Reset* to build
that world, then *Step* (one year) or play (▶). The first tab shows, every year, the
cooperation network coloured by camp, programme membership over time with the public
record of 2020-2022 as dots, the outcome indices behind the class of the run so far, and
who joined or left which programme. The second tab browses the report of a finished
sweep (``results/sweeps/*/report``): its summary table and plots.

Offline: Solara takes its front-end from a CDN unless its asset proxy finds the files
locally. The ``solara-assets`` package (in the ``app`` extra) installs them into the
environment and the proxy (on by default) serves them from there. ``scripts/app`` also
turns off Solara's telemetry and PyPI version check, which would reach for the network.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import update_counter

from sim.mesa.app_figures import PROGRAMME_LABELS, MembershipFigure, NetworkFigure, OutcomeFigure
from sim.names import PROGRAMMES
from sim.config.schema import compose
from sim.mesa.columns import ACTOR_COLUMNS
from sim.mesa.model import SpaceRaceModel
from sim.config.plain import to_plain
from sim.mesa.collect import model_table
from sim.paths import PROJECT_ROOT, SCENARIO_DIR
from sim.config.validation import validate

#: The public record of Artemis Accords and ILRS membership (see ``data/README.md``).
RECORD_PATH = PROJECT_ROOT / "data" / "programme_record_2020_2022.csv"
RECORD_PROGRAMMES = {"artemis_accords": "artemis", "ilrs": "ilrs"}
SWEEPS_DIR = PROJECT_ROOT / "results" / "sweeps"
AS_SCENARIO = "as in the scenario"
DEFAULT_SCENARIO, DEFAULT_SEED = "status_quo", 42


# --- controls: the levers and uncertainties of the sidebar --------------------------------

@dataclass(frozen=True)
class Control:
    """One sidebar choice: the config ``key`` it overrides and its ``choices`` (text shown
    -> config value). :data:`AS_SCENARIO` keeps the scenario's own value."""

    key: str
    label: str
    choices: dict

    def param(self) -> dict:
        """Mesa's model parameter (a select box) for this control."""
        return {"type": "Select", "label": self.label, "value": AS_SCENARIO,
                "values": [AS_SCENARIO, *self.choices]}


def _years(years, never: str) -> dict:
    return {**{str(y): y for y in years}, never: None}


def _numbers(values) -> dict:
    return {f"{v:g}": v for v in values}


#: The choices offered, from docs/PARAMETERS.md: the defaults, the scenarios' values and
#: the phase diagram's grid, within the ranges sim.config.validation allows.
CONTROLS = {
    # levers: what governments decide
    "wolf_repeal_year": Control(
        "mechanisms.wolf_amendment.repeal_year", "Wolf Amendment repealed in",
        _years([2023, 2025, 2028, 2031, 2035, 2040], never="never (stays in force)")),
    "iss_end_year": Control(
        "mechanisms.iss_retirement.year", "First year without the ISS",
        _years([2025, 2028, 2031, 2035, 2040], never="never (flies on)")),
    "tiangong_open": Control(
        "mechanisms.open_station.open_to_un_members", "Tiangong open to all UN members",
        {"yes": True, "no": False}),
    "china_courting": Control(
        "mechanisms.open_station.courting", "China courts developing states (Tiangong)",
        _numbers([0.0, 0.1, 0.3, 0.5, 1.0])),
    "russia_unease": Control(
        "mechanisms.junior_partner.discomfort", "Russia's unease as China's junior partner",
        _numbers([0.0, 0.3, 0.6, 1.0, 1.5])),
    "bridges": Control(
        "mechanisms.bridges.strength", "Europe and Canada as bridges",
        _numbers([0.0, 0.1, 0.3, 0.5, 0.7, 1.0])),
    # uncertainties: how the world is
    "threat_perception": Control(
        "world.threat_perception", "Threat perception (uncertain)",
        _numbers([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0])),
    "rules_of_the_road": Control(
        "world.rules_of_the_road", "Rules of the road (uncertain)",
        _numbers([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])),
    "noise": Control(
        "strategies.noise", "Trembling hand: noise (uncertain)",
        _numbers([0.0, 0.01, 0.02, 0.05, 0.1])),
}


def scenarios() -> list[str]:
    """The scenarios (one file each in ``scenarios/``)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def _override(key: str, value) -> str:
    if value is None:
        return f"{key}=null"
    if isinstance(value, bool):
        return f"{key}={str(value).lower()}"
    return f"{key}={value}"


_compose_lock = threading.Lock()     # Hydra's compose works on global state


def build_config(scenario: str, **choices) -> dict:
    """The plain config of ``scenario`` with the sidebar's ``choices`` (control name ->
    text shown, names from :data:`CONTROLS`) applied, checked like the command line's."""
    if scenario not in scenarios():
        raise ValueError(f"scenario={scenario!r}: unknown scenario; allowed: "
                         + ", ".join(scenarios()))
    overrides = [f"scenario={scenario}"]
    for name, shown in choices.items():
        if name not in CONTROLS:
            raise ValueError(f"{name}: unknown control; allowed: {', '.join(CONTROLS)}")
        control = CONTROLS[name]
        if shown == AS_SCENARIO:
            continue
        if shown not in control.choices:
            raise ValueError(f"{name}={shown!r}: allowed: {', '.join(control.choices)}")
        overrides.append(_override(control.key, control.choices[shown]))
    with _compose_lock:
        cfg = to_plain(compose(overrides))
    validate(cfg)
    return cfg


# --- the played model ---------------------------------------------------------------------

class PlayedModel(SpaceRaceModel):
    """:class:`SpaceRaceModel` built from the sidebar's keyword choices (what Mesa's
    *Reset* passes), keeping per played year what the views show and the model does not
    keep: the outcome so far, and who joined or left which programme.

    The parameters are explicit keywords (no ``**kwargs``): Mesa 3.5 passes its own
    ``scenario`` (a :class:`mesa.experimental.scenarios.Scenario`) to a model whose
    ``__init__`` takes ``scenario`` or ``**kwargs``, so ours is ``scenario_name``.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = DEFAULT_SEED, *,
                 wolf_repeal_year: str = AS_SCENARIO, iss_end_year: str = AS_SCENARIO,
                 tiangong_open: str = AS_SCENARIO, china_courting: str = AS_SCENARIO,
                 russia_unease: str = AS_SCENARIO, bridges: str = AS_SCENARIO,
                 threat_perception: str = AS_SCENARIO, rules_of_the_road: str = AS_SCENARIO,
                 noise: str = AS_SCENARIO):
        choices = dict(wolf_repeal_year=wolf_repeal_year, iss_end_year=iss_end_year,
                       tiangong_open=tiangong_open, china_courting=china_courting,
                       russia_unease=russia_unease, bridges=bridges,
                       threat_perception=threat_perception,
                       rules_of_the_road=rules_of_the_road, noise=noise)
        # the one place the app builds the model (SpaceRaceModel(config, rng=seed))
        super().__init__(build_config(scenario_name, **choices), rng=int(seed))
        self.choices = choices
        self.scenario_name, self.seed = scenario_name, int(seed)
        self.positions = network_positions(self)     # once per model: a still picture
        self.outcomes: list[dict] = []   # per played year: the outcome over the window so far
        self.changes: list[dict] = []    # rows: year, actor, programme, change

    def step(self) -> None:
        year, before = self.year, self.members[0].copy()
        super().step()
        for p, a in zip(*np.nonzero(before != self.members[0])):
            self.changes.append({"year": year, "actor": self.names[a],
                                 "programme": PROGRAMME_LABELS[PROGRAMMES[p]],
                                 "change": "joined" if self.members[0, p, a] else "left"})
        self.outcomes.append({"year": year, **self.outcome()})

    @property
    def played(self) -> int:
        """Years played so far."""
        return self.year - self.start_year

    @property
    def last_year(self) -> int:
        """The last year played (before any: the year before the first)."""
        return self.year - 1

    def ties(self) -> np.ndarray:
        """Which pairs cooperated mutually in the last year played (before the first
        year: the documented starting moves)."""
        if self.played:
            return self.mutual_history[0, self.played - 1]
        e, last = self.relations.E, self.last_actions[0]
        return last[:e] & last[e:]

    def camps(self) -> np.ndarray:
        """Each actor's camp (codes into :data:`sim.outcome.rule.CAMPS`) in the last year played."""
        if self.played:
            return self.actor_rows[self.played - 1, ACTOR_COLUMNS.index("role")].astype(int)
        return np.asarray(self.outcome()["labels"], dtype=int)


def network_positions(model: SpaceRaceModel) -> np.ndarray:
    """Fixed positions of the actors for the whole run: x = alignment at the start
    (China-led -1 ... +1 US-led), y = log10 of capability at the start, plus a small
    fixed jitter so states with equal values do not hide each other."""
    act = model.actors
    jitter = np.random.default_rng(0).uniform(-1.0, 1.0, size=(act.n, 2))
    x = act.alignment[0] + 0.03 * jitter[:, 0]
    y = np.log10(np.maximum(act.capability[0], 1e-4)) + 0.06 * jitter[:, 1]
    return np.column_stack([x, y])


# --- the public record --------------------------------------------------------------------

def public_record(path: Path = RECORD_PATH) -> dict[str, dict[int, int]]:
    """Year-end member counts from the public record (programme -> year -> count); empty
    when the file is missing or unreadable, so the plot shows no dots."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            joined = [(p, int(str(r["joined"])[:4])) for r in csv.DictReader(f)
                      if (p := RECORD_PROGRAMMES.get(r.get("programme")))]
    except (OSError, ValueError, KeyError, TypeError, csv.Error):
        return {}
    if not joined:
        return {}
    years = range(min(y for _, y in joined), max(y for _, y in joined) + 1)
    return {p: {y: sum(1 for q, j in joined if q == p and j <= y) for y in years}
            for p in sorted({p for p, _ in joined})}


# --- the views, redrawn every year --------------------------------------------------------

def _text(html_text: str, tag: str = "div", **attributes):
    """Text as HTML (``solara.Markdown`` would fetch KaTeX from a CDN, which fails offline)."""
    solara.HTML(tag=tag, unsafe_innerHTML=html_text, attributes=attributes or None,
                style="margin: 0.3em 0; font-size: 0.95rem")


def status(model: PlayedModel, table: pd.DataFrame) -> tuple[str, dict]:
    """The status line (HTML) and the same facts as ``data-`` attributes (read by the
    browser test): scenario, seed, last year played, outcome so far, ties, members."""
    head = f"<b>{escape(model.scenario_name)}</b>, seed {model.seed}"
    facts = {"data-scenario": model.scenario_name, "data-seed": str(model.seed),
             "data-year": str(model.last_year) if model.played else "",
             "data-ties": str(int(model.ties().sum()))}
    if not model.played:
        return f"{head}: {model.start_year} not played yet. Press Step, or ▶ to play.", facts
    last = table.iloc[-1]
    members = {p: int(last[f"members_{p}"]) for p in PROGRAMMES}
    facts.update({f"data-{p}": str(n) for p, n in members.items()})
    facts["data-outcome"] = model.outcomes[-1]["outcome"]
    listed = ", ".join(f"{PROGRAMME_LABELS[p]} {n}" for p, n in members.items())
    return (f"{head} · year <b>{model.last_year}</b> · outcome so far "
            f"<b>{model.outcomes[-1]['outcome']}</b> · {facts['data-ties']} mutual ties · "
            f"members: {listed}"), facts


@solara.component
def ThisYearView(model: PlayedModel):
    """The status line and who joined or left which programme in the last year played."""
    update_counter.get()
    line, facts = status(model, model_table(model))
    _text(line, **{"class": "spacerace-status", **facts})
    if not model.played:
        _text("<i>Who joined or left which programme appears here once a year is played.</i>")
        return
    changes = [c for c in model.changes if c["year"] == model.last_year]
    if not changes:
        _text(f"{model.last_year}: nobody joined or left a programme.")
        return
    df = pd.DataFrame(changes).drop(columns="year")
    joined = int((df["change"] == "joined").sum())
    _text(f"<b>{model.last_year}</b>: {joined} joined, {len(df) - joined} left a programme")
    solara.DataFrame(df, items_per_page=5)


def _figure_view(model: PlayedModel, make, draw) -> None:
    """A figure of the model: built once per model (``make()``), redrawn (``draw(figure)``,
    PNG bytes) when a year is played."""
    update_counter.get()
    figure = solara.use_memo(make, [model])
    png = solara.use_memo(lambda: draw(figure), [model, model.played])
    solara.Image(png, format="png")


@solara.component
def NetworkView(model: PlayedModel):
    _figure_view(model, lambda: NetworkFigure(model), lambda figure: figure.update(model))


@solara.component
def MembershipView(model: PlayedModel):
    _figure_view(model, lambda: MembershipFigure(model, public_record()),
                 lambda figure: figure.update(model, model_table(model)))


@solara.component
def OutcomeView(model: PlayedModel):
    _figure_view(model, lambda: OutcomeFigure(model), lambda figure: figure.update(model))


# --- the second tab: a finished sweep's report ----------------------------------------------

#: The summary table's main columns (sim/experiments/report.py) and their headers here.
SUMMARY_COLUMNS = {"scenario": "scenario", "runs": "runs",
                   "share_collaboration": "collaboration", "share_bloc": "bloc",
                   "share_race": "race", "mean_role_us_led": "US-led",
                   "mean_role_china_led": "China-led", "mean_role_bridge": "bridges"}
SWEPT_PREFIXES = ("world.", "mechanisms.", "actors.", "payoffs.", "dynamics.", "strategies.",
                  "programmes.", "outcome.")


def report_folders(root: Path = SWEEPS_DIR) -> list[Path]:
    """Report folders of the sweeps under ``root`` (those that hold a summary or a plot)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/report")
                  if (p / "summary.csv").is_file() or any(p.glob("*.png")))


def read_summary(folder: Path) -> tuple[pd.DataFrame | None, str | None]:
    """A report's summary table (the main columns, when present) or a one-line problem."""
    path = folder / "summary.csv"
    if not path.is_file():
        return None, f"{path}: no summary table in this folder"
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as e:
        return None, f"{path}: cannot be read ({type(e).__name__}: {str(e).splitlines()[0]})"
    if not set(SUMMARY_COLUMNS) <= set(df.columns):
        return df, None                  # another layout: show it as it is
    swept = [c for c in df.columns if c.startswith(SWEPT_PREFIXES) and df[c].notna().any()]
    table = df[["scenario", *swept]].astype(object).where(df[["scenario", *swept]].notna(), "")
    for column, header in SUMMARY_COLUMNS.items():
        if column == "scenario":
            continue
        values = pd.to_numeric(df[column], errors="coerce")
        if column.startswith("share_"):
            table[header] = values.map(lambda v: "" if pd.isna(v) else f"{100 * v:.0f}%")
        else:
            table[header] = values.round(1 if column.startswith("mean_") else 0)
    return table, None


def report_plots(folder: Path) -> list[Path]:
    """The report's PNG plots (files that really are PNGs)."""
    plots = []
    for p in sorted(folder.glob("*.png")):
        try:
            with open(p, "rb") as f:
                if f.read(8) == b"\x89PNG\r\n\x1a\n":
                    plots.append(p)
        except OSError:
            continue
    return plots


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


@solara.component
def ReportView(model):
    """Browse a finished sweep's report folder: its summary table and plots."""
    folders = solara.use_memo(report_folders, [])
    names = [_shown(p) for p in folders]
    chosen, set_chosen = solara.use_state(names[0] if names else "")
    typed, set_typed = solara.use_state("")
    _text("Sweep reports", tag="h3")
    if names:
        solara.Select("report folder", value=chosen, values=names, on_value=set_chosen)
    else:
        _text(f"No report under <code>{escape(_shown(SWEEPS_DIR))}</code> yet: run a sweep, "
              "then <code>python -m sim.experiments.report results/sweeps/&lt;name&gt;</code>.")
    solara.InputText("or another report folder (path)", value=typed, on_value=set_typed)
    target = typed.strip() or chosen
    if not target:
        return
    folder = Path(target).expanduser()
    folder = folder if folder.is_absolute() else PROJECT_ROOT / folder
    if not folder.is_dir():
        solara.Error(f"{target}: not a folder")
        return
    summary, problem = read_summary(folder)
    if problem:
        solara.Warning(problem)
    else:
        _text(f"<b>Summary</b> ({len(summary)} rows, "
              f"<code>{escape(_shown(folder / 'summary.csv'))}</code>)")
        solara.DataFrame(summary, items_per_page=10)
    for plot in report_plots(folder):
        _text(f"<b>{escape(plot.stem.replace('_', ' '))}</b>")
        solara.Image(plot, width="100%")


# --- the page -----------------------------------------------------------------------------

def model_params() -> dict:
    """Mesa's model parameters: the sidebar's inputs."""
    return {
        "scenario_name": {"type": "Select", "label": "Scenario", "value": DEFAULT_SCENARIO,
                          "values": scenarios()},
        "seed": {"type": "SliderInt", "label": "Seed", "value": DEFAULT_SEED, "min": 0,
                 "max": 100, "step": 1},
        **{name: control.param() for name, control in CONTROLS.items()},
    }


def first_layout(n: int) -> list[dict]:
    """The first layout of a tab's grid of views (rows of 30 px): the year's views two by
    two, a tab's only view (the sweep report) at full width. Mesa 3.5.1 starts every view
    at half the width and 300 px and offers no setting, so the app replaces
    ``solara_viz.make_initial_grid_layout``; the views can still be dragged and resized."""
    if n == 1:
        return [{"i": 0, "x": 0, "y": 0, "w": 12, "h": 100, "moved": False}]
    return [{"i": i, "x": 6 * (i % 2), "y": 11 * (i // 2), "w": 6, "h": 11, "moved": False}
            for i in range(n)]


solara_viz.make_initial_grid_layout = first_layout


@solara.component
def Page():
    """One model per browser session (a module-level model would be shared by all)."""
    model = solara.use_memo(PlayedModel, [])
    SolaraViz(model, components=[(ThisYearView, 0), (NetworkView, 0), (MembershipView, 0),
                                     (OutcomeView, 0), (ReportView, 1)],
              model_params=model_params(), name="spacerace: blocs, race or collaboration",
              play_interval=300)
