"""The HTML report, opened in a real headless browser (Debian's chromium)."""

import shutil
import subprocess

import matplotlib.image as mpimg
import numpy as np
import pytest


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


@pytest.fixture(scope="module")
def report(smoke_sweep):
    """The report of a real two-scenario multirun (conftest.smoke_sweep, the one
    tests/test_sweep.py checks), built by ``python -m sim.experiments.report``."""
    assert smoke_sweep["report"] is not None, smoke_sweep["sim"].stderr
    assert smoke_sweep["report"].returncode == 0, smoke_sweep["report"].stderr
    return smoke_sweep["folder"] / "report"


def chromium(*args, tmp):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                             "(apt-get install chromium; .ci/run does)")
def test_report_page_renders_in_chromium(report, tmp_path):
    page = (report / "index.html").as_uri()
    dom = chromium("--dump-dom", page, tmp=tmp_path).stdout
    assert "status_quo" in dom and "cold_war_race" in dom
    assert dom.count("<img") >= 6 and "<table>" in dom
    shot = tmp_path / "page.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", page, tmp=tmp_path)
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    # not blank: the table and the plots put many distinct colours on the page
    assert pixels.std() > 0.05
    assert len(np.unique((pixels.reshape(-1, 3) * 255).astype(int), axis=0)) > 50
