"""Play the new space race year by year: a Mesa ``SolaraViz`` page over
:class:`~sim.model.SpaceRaceModel`.

    scripts/app                                   # set up (first time), serve on 127.0.0.1:8765
    solara run sim.app --host 127.0.0.1           # the same, where the app extra is installed

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
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.cli import PROJECT_ROOT, SCENARIO_DIR, compose
from sim.config import MAJORS, PROGRAMMES
from sim.model import ACTOR_COLUMNS, SpaceRaceModel, to_plain
from sim.outcome import CAMPS
from sim.plots import CAMP_COLOURS, CAMP_LABELS, OUTCOME_COLOURS
from sim.run import model_table
from sim.validation import validate

#: The public record of Artemis Accords and ILRS membership (see ``data/README.md``).
RECORD_PATH = PROJECT_ROOT / "data" / "programme_record_2020_2022.csv"
RECORD_PROGRAMMES = {"artemis_accords": "artemis", "ilrs": "ilrs"}
SWEEPS_DIR = PROJECT_ROOT / "results" / "sweeps"
PROGRAMME_LABELS = {"artemis": "Artemis Accords", "ilrs": "ILRS", "iss": "ISS",
                    "tiangong": "Tiangong"}
PROGRAMME_COLOURS = {"artemis": "#1f77b4", "ilrs": "#d62728", "iss": "#17becf",
                     "tiangong": "#ff7f0e"}
CAMP_ORDER = ("us_led", "china_led", "hedging", "nonaligned")
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
#: the phase diagram's grid, within the ranges sim.validation allows.
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


def build_model(scenario: str = DEFAULT_SCENARIO, seed: int = DEFAULT_SEED,
                **choices) -> SpaceRaceModel:
    """The model for the sidebar's choices, built the way the app builds it."""
    return SpaceRaceModel(build_config(scenario, **choices), rng=int(seed))


# --- the played model ---------------------------------------------------------------------

class PlayedModel(SpaceRaceModel):
    """:class:`SpaceRaceModel` built from the sidebar's keyword choices (what Mesa's
    *Reset* passes), keeping per played year what the views show and the model does not
    keep: the outcome so far, and who joined or left which programme.

    Its scenario is ``scenario_name``: Mesa 3.5 reserves ``scenario`` (and passes it on
    *Reset*) for its own :class:`mesa.experimental.scenarios.Scenario`.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = DEFAULT_SEED,
                 **choices):
        super().__init__(build_config(scenario_name, **choices), rng=int(seed))
        self.scenario_name, self.seed = scenario_name, int(seed)
        self.positions = network_positions(self)     # once per model: a still picture
        self.outcomes: list[dict] = []   # per played year: the outcome over the window so far
        self.changes: list[dict] = []    # rows: year, actor, programme, change

    def step(self) -> None:
        year, before = self.year, self.members.copy()
        super().step()
        for p, a in zip(*np.nonzero(before != self.members)):
            self.changes.append({"year": year, "actor": self.names[a],
                                 "programme": PROGRAMME_LABELS[PROGRAMMES[p]],
                                 "change": "joined" if self.members[p, a] else "left"})
        self.outcomes.append({"year": year, **self.outcome()})

    @property
    def played(self) -> int:
        """Years played so far."""
        return self.year - self.start_year

    @property
    def last_year(self) -> int:
        """The last year played (the year before the first one before any)."""
        return self.year - 1

    def ties(self) -> np.ndarray:
        """Which pairs cooperated mutually in the last year played (before the first
        year: the documented starting moves)."""
        if self.played:
            return self.mutual_history[self.played - 1]
        e = self.relations.E
        return self.last_actions[:e] & self.last_actions[e:]

    def camps(self) -> np.ndarray:
        """Each actor's camp (codes into :data:`sim.outcome.CAMPS`) in the last year played."""
        if self.played:
            return self.actor_rows[self.played - 1, ACTOR_COLUMNS.index("camp")].astype(int)
        return np.asarray(self.outcome()["labels"], dtype=int)


def network_positions(model: SpaceRaceModel) -> np.ndarray:
    """Fixed positions of the actors for the whole run: x = alignment at the start
    (China-led -1 ... +1 US-led), y = log10 of capability at the start, plus a small
    fixed jitter so states with equal values do not hide each other."""
    act = model.actors
    jitter = np.random.default_rng(0).uniform(-1.0, 1.0, size=(act.n, 2))
    x = act.alignment + 0.03 * jitter[:, 0]
    y = np.log10(np.maximum(act.capability, 1e-4)) + 0.06 * jitter[:, 1]
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

def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", dpi=100)


def network_figure(model: PlayedModel) -> Figure:
    """The cooperation network of the last year played: mutual cooperation ties (coloured
    by camp inside a camp, grey across), actors coloured by camp and sized by capability
    at fixed positions; the major powers labelled."""
    fig = _figure(6.4, 4.8)
    ax = fig.add_subplot()
    pos, rel = model.positions, model.relations
    tied = model.ties()
    camp = np.array(CAMPS, dtype=object)[model.camps()]
    i, j = rel.i[tied], rel.j[tied]
    colours = [CAMP_COLOURS[a] if a == b else "#7f7f7f" for a, b in zip(camp[i], camp[j])]
    ax.add_collection(LineCollection(np.stack([pos[i], pos[j]], axis=1), colors=colours,
                                     linewidths=0.5, alpha=0.2, zorder=1))
    cap = model.actors.capability
    ax.scatter(pos[:, 0], pos[:, 1], s=10 + 300 * np.sqrt(cap / max(cap.max(), 1e-9)),
               c=[CAMP_COLOURS[c] for c in camp], edgecolors="white", linewidths=0.4, zorder=2)
    for name in MAJORS:
        ax.annotate(name, pos[model.index[name]], xytext=(7, 5), textcoords="offset points",
                    fontsize=10, fontweight="bold", zorder=3)
    for c in CAMP_ORDER:
        ax.scatter([], [], color=CAMP_COLOURS[c], label=f"{CAMP_LABELS[c]} ({(camp == c).sum()})")
    ax.legend(loc="lower center", fontsize=8, ncols=2)
    ax.set_xlim(-1.2, 1.2)
    ax.set_xlabel("alignment at the start (China-led −1 … +1 US-led)", fontsize=9)
    ax.set_ylabel("capability at the start (log10; US = 0)", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_title(f"Cooperation network {model.last_year}: {int(tied.sum())} mutual ties",
                 fontsize=11)
    return fig


def _years_axis(ax, model: PlayedModel) -> None:
    ax.set_xlim(model.start_year - 1.5, model.horizon + 0.5)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def membership_figure(model: PlayedModel, table: pd.DataFrame,
                      record: dict[str, dict[int, int]]) -> Figure:
    """Members of each programme per year; the public record's year-end counts as dots."""
    fig = _figure(6.4, 3.6)
    ax = fig.add_subplot()
    for p in PROGRAMMES:
        ax.plot(table["year"], table[f"members_{p}"], color=PROGRAMME_COLOURS[p], lw=2,
                label=PROGRAMME_LABELS[p])
    ax.plot(table["year"], table["programme_hedgers"], color="#9467bd", lw=1.2, ls="--",
            label="in Artemis and ILRS")
    for p, counts in record.items():
        ax.plot(list(counts), list(counts.values()), "o", color=PROGRAMME_COLOURS[p],
                markeredgecolor="black", ms=6, zorder=3)
    if record:
        ax.plot([], [], "o", color="white", markeredgecolor="black",
                label="public record (year end)")
    _years_axis(ax, model)
    ax.set_ylim(0, max(10, len(model.names)) * 1.02)
    ax.set_ylabel("members", fontsize=9)
    fig.legend(fontsize=8, loc="outside lower center", ncols=3)
    ax.set_title("Programme membership", fontsize=11)
    return fig


def outcome_figure(model: PlayedModel) -> Figure:
    """The outcome indices over the window so far (lines) against the thresholds that
    decide the class (dashed), and each year's class as a coloured band."""
    fig = _figure(6.4, 3.6)
    ax = fig.add_subplot()
    rule = model.outcome_rule
    rows = pd.DataFrame([{k: v for k, v in o.items() if k != "labels"} for o in model.outcomes])
    # each index in the colour of the class its threshold decides
    lines = (("cross_divide", "ties across the divide (majors): collaboration at or above",
              OUTCOME_COLOURS["collaboration"], rule.collaboration_cross_share),
             ("weighted_density", "capability-weighted tie density: race below",
              OUTCOME_COLOURS["race"], rule.race_density),
             ("min_cohesion", "cohesion of the weaker camp: bloc at or above",
              OUTCOME_COLOURS["bloc"], rule.min_camp_cohesion))
    if len(rows):
        rows["min_cohesion"] = rows[["cohesion_us_led", "cohesion_china_led"]].min(axis=1)
        for key, label, colour, _ in lines:
            ax.plot(rows["year"], rows[key], color=colour, lw=2, label=label)
        for year, outcome in zip(rows["year"], rows["outcome"]):
            ax.axvspan(year - 0.5, year + 0.5, ymin=0, ymax=0.05, color=OUTCOME_COLOURS[outcome],
                       lw=0)
    for _, _, colour, threshold in lines:
        ax.axhline(threshold, color=colour, ls=":", lw=1)
    _years_axis(ax, model)
    ax.set_ylim(-0.08, 1.05)
    ax.set_ylabel(f"over the last {rule.window} years", fontsize=9)
    fig.legend(fontsize=8, loc="outside lower center", ncols=1)
    current = rows["outcome"].iloc[-1] if len(rows) else "not played yet"
    ax.set_title(f"Outcome so far: {current}  (dotted: thresholds; band: class per year)",
                 fontsize=11)
    return fig


def status_line(model: PlayedModel, table: pd.DataFrame) -> str:
    """One line of what the page shows now (also what the browser test reads)."""
    if not model.played:
        return (f"**{model.scenario_name}**, seed {model.seed}: {model.start_year} not "
                "played yet — press Step or ▶")
    last = table.iloc[-1]
    members = ", ".join(f"{PROGRAMME_LABELS[p]} {int(last[f'members_{p}'])}" for p in PROGRAMMES)
    return (f"**{model.scenario_name}**, seed {model.seed} · year **{model.last_year}** · "
            f"outcome so far **{model.outcomes[-1]['outcome']}** · "
            f"{int(model.ties().sum())} mutual ties · members: {members}")


@solara.component
def ThisYearView(model: PlayedModel):
    """The status line and who joined or left which programme in the last year played."""
    update_counter.get()
    solara.Markdown(status_line(model, model_table(model)))
    if not model.played:
        solara.Markdown("*Who joined or left which programme appears here once a year is played.*")
        return
    changes = [c for c in model.changes if c["year"] == model.last_year]
    if not changes:
        solara.Markdown(f"{model.last_year}: nobody joined or left a programme.")
        return
    df = pd.DataFrame(changes).drop(columns="year")
    joined = int((df["change"] == "joined").sum())
    solara.Markdown(f"{model.last_year}: {joined} joined, {len(df) - joined} left a programme")
    solara.DataFrame(df, items_per_page=5)


@solara.component
def NetworkView(model: PlayedModel):
    update_counter.get()
    solara.FigureMatplotlib(network_figure(model), format="png", dpi=100)


@solara.component
def MembershipView(model: PlayedModel):
    update_counter.get()
    record = solara.use_memo(public_record, [])
    solara.FigureMatplotlib(membership_figure(model, model_table(model), record), format="png",
                            dpi=100)


@solara.component
def OutcomeView(model: PlayedModel):
    update_counter.get()
    solara.FigureMatplotlib(outcome_figure(model), format="png", dpi=100)


# --- the second tab: a finished sweep's report ----------------------------------------------

SUMMARY_COLUMNS = ("scenario", "runs", "share_collaboration", "share_bloc", "share_race",
                   "mean_camp_us_led", "mean_camp_china_led", "mean_camp_hedging")


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
    columns = [c for c in SUMMARY_COLUMNS if c in df.columns]
    extra = [c for c in df.columns if c.startswith(("world.", "mechanisms.", "actors."))]
    if "runs" in columns and len(columns) > 3:
        df = df[[columns[0], *extra, *columns[1:]]]
    return df.round(3), None


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
    solara.Markdown("### Sweep reports")
    if names:
        solara.Select("report folder", value=chosen, values=names, on_value=set_chosen)
    else:
        solara.Markdown(f"No report under `{_shown(SWEEPS_DIR)}` yet: run a sweep, then "
                        "`python -m sim.report results/sweeps/<name>`.")
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
        solara.Markdown(f"**Summary** ({len(summary)} rows, `{_shown(folder / 'summary.csv')}`)")
        solara.DataFrame(summary, items_per_page=10)
    for plot in report_plots(folder):
        solara.Markdown(f"**{plot.stem.replace('_', ' ')}**")
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


@solara.component
def Page():
    """One model per browser session (a module-level model would be shared by all)."""
    model = solara.use_memo(PlayedModel, [])
    SolaraViz(model, components=[(ThisYearView, 0), (NetworkView, 0), (MembershipView, 0),
                                     (OutcomeView, 0), (ReportView, 1)],
              model_params=model_params(), name="spacerace: blocs, race or collaboration",
              play_interval=300)
