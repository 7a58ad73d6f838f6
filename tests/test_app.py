"""The interactive app (sim/mesa/app.py): its controls and views, and the page served by a real
Solara server and driven in Debian's headless chromium, offline."""

import copy
import inspect
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("solara", reason="the app extra is not installed (pip install -e '.[app]')")
pytest.importorskip("mesa.visualization", reason="mesa[rec] is not installed (the app extra)")

from mesa.visualization import solara_viz  # noqa: E402

from sim.mesa import app  # noqa: E402
from sim.config.schema import compose  # noqa: E402
from sim.names import PROGRAMMES  # noqa: E402
from sim.mesa.model import SpaceRaceModel  # noqa: E402
from sim.config.plain import to_plain
from sim.mesa.collect import actor_table, model_table  # noqa: E402
from sim.config.validation import validate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RECORD = """programme,state,iso3,joined,note
artemis_accords,Australia,AUS,2020-10,founding signatory
artemis_accords,Japan,JPN,2020-10,founding signatory
artemis_accords,Poland,POL,2021-10,
artemis_accords,France,FRA,2022-06,
ilrs,China,CHN,2021-03,memorandum
ilrs,Russia,RUS,2021-03,memorandum
"""


# --- controls and the model behind them ------------------------------------------------

def test_choices_override_the_scenario_and_as_in_scenario_keeps_it():
    cold = app.build_config("cold_war_race")
    assert cold["world"]["threat_perception"] == 2.0          # the scenario's own value
    same = app.build_config("cold_war_race", threat_perception=app.AS_SCENARIO)
    assert same["world"]["threat_perception"] == 2.0
    cfg = app.build_config("cold_war_race", threat_perception="0.5",
                           wolf_repeal_year="2025", iss_end_year="never (flies on)",
                           tiangong_open="no")
    assert cfg["world"]["threat_perception"] == 0.5
    assert cfg["mechanisms"]["wolf_amendment"]["repeal_year"] == 2025
    assert cfg["mechanisms"]["iss_retirement"]["year"] is None
    assert cfg["mechanisms"]["open_station"]["open_to_un_members"] is False


def test_bad_choices_are_one_line_errors():
    with pytest.raises(ValueError, match=r"threat_perception='9': allowed: 0.25, 0.5"):
        app.build_config("status_quo", threat_perception="9")
    with pytest.raises(ValueError, match="scenario='cold_war': unknown scenario; allowed: "):
        app.build_config("cold_war")


def test_every_offered_choice_is_a_valid_config():
    base = to_plain(compose(["scenario=status_quo"]))
    for name, control in app.CONTROLS.items():
        for shown, value in control.choices.items():
            cfg = copy.deepcopy(base)
            node = cfg
            *path, last = control.key.split(".")
            for part in path:
                node = node[part]
            assert last in node, f"{name}: {control.key} is not a config key"
            node[last] = value
            validate(cfg)                          # raises on a value out of range


def test_the_played_model_is_the_model():
    played = app.PlayedModel("cold_war_race", 7, threat_perception="1.5")
    plain = SpaceRaceModel(to_plain(compose(["scenario=cold_war_race",
                                             "world.threat_perception=1.5"])), rng=7)
    for _ in range(5):
        played.step()
        plain.step()
    assert model_table(played).equals(model_table(plain))
    assert [o["outcome"] for o in played.outcomes][-1] == plain.outcome()["outcome"]


def test_mesa_reset_builds_the_chosen_world():
    """What Mesa's Reset button does: the sidebar's parameters go through Mesa's own
    helpers into PlayedModel (a model taking **kwargs would get Mesa's Scenario)."""
    params = app.model_params()
    keywords = set(inspect.signature(app.PlayedModel.__init__).parameters) - {"self"}
    assert keywords == {"scenario_name", "seed", *app.CONTROLS} == set(params)
    solara_viz._check_model_params(app.PlayedModel.__init__, params)
    chosen = {name: p.get("value") for name, p in params.items()}
    chosen.update(scenario_name="europe_bridge", seed=3, bridges="1")
    old = app.PlayedModel()
    kwargs = solara_viz._build_model_init_kwargs(old, chosen, add_scenario_when_empty=True,
                                                 require_model_accepts_scenario=True)
    new = type(old)(**kwargs)
    assert (new.scenario_name, new.seed) == ("europe_bridge", 3)
    assert new.choices["bridges"] == "1"


def test_changes_are_the_membership_differences():
    model = app.PlayedModel("open_station_diplomacy", 5)
    for _ in range(4):
        model.step()
    actors = actor_table(model)
    first = model.start_year
    for p in PROGRAMMES:
        label = app.PROGRAMME_LABELS[p]
        wide = actors.pivot(index="actor", columns="year", values=f"in_{p}")
        for year in range(first + 1, model.year):
            joined = set(wide.index[wide[year] & ~wide[year - 1]])
            left = set(wide.index[~wide[year] & wide[year - 1]])
            rows = [c for c in model.changes if c["year"] == year and c["programme"] == label]
            assert {c["actor"] for c in rows if c["change"] == "joined"} == joined
            assert {c["actor"] for c in rows if c["change"] == "left"} == left
    assert any(c["change"] == "joined" for c in model.changes)


def test_network_layout_stays_still():
    model = app.PlayedModel("status_quo", 1)
    figure = app.NetworkFigure(model)
    before = model.positions.copy()
    figure.update(model)
    for _ in range(3):
        model.step()
        figure.update(model)
        np.testing.assert_array_equal(figure.nodes.get_offsets(), before)
    assert len(figure.edges.get_segments()) == int(model.ties().sum()) > 0


def test_public_record_counts_by_year_end(tmp_path):
    path = tmp_path / "record.csv"
    path.write_text(RECORD)
    assert app.public_record(path) == {"artemis": {2020: 2, 2021: 3, 2022: 4},
                                       "ilrs": {2020: 0, 2021: 2, 2022: 2}}
    assert app.public_record(tmp_path / "missing.csv") == {}
    (tmp_path / "bad.csv").write_bytes(b"programme,joined\nilrs,not a date\n\xff\xfe")
    assert app.public_record(tmp_path / "bad.csv") == {}


def test_report_folder_is_read_as_untrusted(tmp_path):
    folder = tmp_path / "report"
    folder.mkdir()
    assert app.read_summary(folder)[1].endswith("no summary table in this folder")
    (folder / "summary.csv").write_bytes(b'a,b\n1,"unterminated\n')
    table, problem = app.read_summary(folder)
    assert table is None and "cannot be read" in problem and "\n" not in problem
    (folder / "fake.png").write_text("not a png")
    assert app.report_plots(folder) == []


def test_report_summary_shows_shares_as_percentages(tmp_path):
    folder = _report_folder(tmp_path)
    table, problem = app.read_summary(folder)
    assert problem is None
    assert table.iloc[0][["scenario", "collaboration", "bloc", "race", "runs"]].tolist() == \
        ["lunar_detente", "25%", "50%", "25%", 40]
    assert [p.name for p in app.report_plots(folder)] == ["outcome_shares.png"]


# --- the page in a real browser --------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``solara run sim.mesa.app`` as scripts/app runs it, with the CDN pointed at a closed
    port: any front-end file not installed locally fails instead of being fetched."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "SOLARA_THEME_SHOW_BANNER": "false",
           "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/closed/"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "solara", "run", "sim.mesa.app", "--host", "127.0.0.1",
             "--port", str(port), "--production", "--no-open", "--no-check-version"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app server exited ({proc.returncode}):\n"
                            f"{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not answer in 180 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(page) -> dict:
    return page.evaluate("() => Object.assign({}, "
                         "(document.querySelector('.spacerace-status') || {dataset: {}}).dataset)")


def _wait_status(page, key: str, value: str) -> None:
    page.wait_for_function(
        "([k, v]) => { const e = document.querySelector('.spacerace-status');"
        " return e !== null && e.dataset[k] === v; }", arg=[key, value], timeout=60_000)


def _report_folder(tmp_path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    folder = tmp_path / "myreport"
    folder.mkdir()
    cols = {c: v for c, v in zip(app.SUMMARY_COLUMNS, ["lunar_detente", 40, 0.25, 0.5, 0.25,
                                                       60, 50, 80])}
    (folder / "summary.csv").write_text(f"{','.join(cols)}\n{','.join(map(str, cols.values()))}\n")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(folder / "outcome_shares.png")
    plt.close(fig)
    return folder


@pytest.mark.slow
def test_play_a_scenario_in_chromium_offline(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = server
    outside, failed, timings = [], [], []
    expected = app.PlayedModel("cold_war_race", app.DEFAULT_SEED)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def local_only(route):
                if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
                    route.continue_()
                else:                                  # offline: nothing leaves the machine
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", local_only)
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
                    if r.status >= 400 else None)
            page.goto(url)
            try:
                _wait_status(page, "scenario", "status_quo")
            except Exception:
                pytest.fail(f"the page stayed blank; requests outside the machine: {outside[:3]}, "
                            f"failed: {failed[:3]}")
            assert "not played yet" in page.locator(".spacerace-status").inner_text()

            # choose a scenario in the sidebar and build its world
            page.locator(".v-select").filter(has_text="Scenario").first.click()
            page.get_by_role("option", name="cold_war_race").click()
            page.get_by_role("button", name="Reset").click()
            _wait_status(page, "scenario", "cold_war_race")
            network = page.locator("img").first          # the network is the first figure
            seen = [(_status(page), network.get_attribute("src"))]
            for k in range(4):
                start = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                _wait_status(page, "year", str(expected.start_year + k))
                page.wait_for_function("old => document.querySelector('img').src !== old",
                                       arg=seen[-1][1], timeout=60_000)
                timings.append(time.perf_counter() - start)
                seen.append((_status(page), network.get_attribute("src")))
                expected.step()
            page.wait_for_timeout(500)
            shot = tmp_path / "app.png"
            page.screenshot(path=shot)

            # the year, the counts and the network changed; they are the model's
            status = [s for s, _ in seen]
            assert [s["year"] for s in status] == ["", "2021", "2022", "2023", "2024"]
            assert len({s["ties"] for s in status}) > 1
            assert len({s["artemis"] for s in status[1:]}) > 1
            assert len({src for _, src in seen}) == len(seen)     # a new network every year
            last = model_table(expected).iloc[-1]
            assert status[-1]["ties"] == str(int(expected.ties().sum()))
            for prog in PROGRAMMES:
                assert status[-1][prog] == str(int(last[f"members_{prog}"]))
            assert status[-1]["outcome"] == expected.outcomes[-1]["outcome"]
            assert page.get_by_text("joined").count() > 0             # this year's table

            # the second tab opens a finished sweep's report folder
            folder = _report_folder(tmp_path)
            page.get_by_role("tab", name="Page 1").click()
            page.get_by_text("Sweep reports").wait_for(timeout=60_000)
            box = page.get_by_label("or another report folder (path)")
            box.fill(str(folder))
            box.press("Enter")
            page.get_by_text("lunar_detente").wait_for(timeout=60_000)
            assert page.get_by_text("50%").count() >= 1
            page.get_by_text("outcome shares").wait_for(timeout=60_000)
            assert page.locator("img").count() >= 1
        finally:
            browser.close()
    print(f"\nclick Step -> new network shown: {', '.join(f'{t:.2f}' for t in timings)} s")
    assert not outside, f"the page reached outside the machine: {outside[:5]}"
    assert not failed, f"requests failed (a front-end file missing offline?): {failed[:5]}\n" \
                       f"{log.read_text()[-2000:]}"
    # not blank
    import matplotlib.image as mpimg
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.std() > 0.05
