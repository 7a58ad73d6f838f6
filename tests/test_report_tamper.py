"""``python -m sim.experiments.report`` on tampered results folders (issue 14, item 8).

A real two-job sweep (status_quo and cold_war_race, 4 seeds each in chunks of 2) is made
once; every case damages one job (or the folder) of a copy, then runs the report. The
report must never raise (a traceback) or hang: it skips what fails a check, names it on
one line, builds the report from what is left, and never re-runs a config that does
not validate. When nothing usable is left, or the report cannot be written where it
belongs, it exits non-zero with one line. Cases run in-process (fast); one runs the real
command line in a subprocess.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import report
from sim.experiments.plan import apply_point
from sim.config.schema import compose
from sim.config.plain import to_plain
from sim.experiments.sweep import run_job

SCENARIOS = ("status_quo", "cold_war_race")
SEEDS, CHUNK = 4, 2
GOOD = "scenario=cold_war_race"     # the job the cases leave alone
BAD = "scenario=status_quo"         # the job they damage


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tamper") / "sweeps" / "t"
    for scenario in SCENARIOS:
        plain = apply_point(to_plain(compose([f"scenario={scenario}"])),
                            {"sweep.seeds": SEEDS, "sweep.chunk_size": CHUNK,
                             "sweep.progress": False, "sweep.executor": "serial"})
        run_job(plain, root / f"scenario={scenario}", [f"scenario={scenario}"])
    return root


# --- ways to damage a folder ------------------------------------------------------------

def _job(root: Path) -> Path:
    return root / BAD / "job.json"


def _edit_job(root: Path, change) -> None:
    path = _job(root)
    job = json.loads(path.read_text())
    change(job)
    path.write_text(json.dumps(job))


def _set(*keys, value):
    def change(job):
        node = job
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return lambda root: _edit_job(root, change)


def _write_job(text: str):
    return lambda root: _job(root).write_text(text)


def _symlink_job(root: Path) -> None:
    _job(root).unlink()
    _job(root).symlink_to(root / GOOD / "job.json")     # a second copy of the good job


def _replace_chunk(which: int, make):
    """Replace chunk 0's runs (0) or years (1) file and update its marker's checksum,
    so the chunk still counts as complete."""
    def damage(root: Path) -> None:
        folder = root / BAD / "chunks"
        path = folder / ("runs-00000.parquet", "years-00000.parquet")[which]
        data = make(path)
        path.write_bytes(data)
        marker = folder / "chunk-00000.json"
        info = json.loads(marker.read_text())
        info[("runs_sha256", "years_sha256")[which]] = hashlib.sha256(data).hexdigest()
        marker.write_text(json.dumps(info))
    return damage


def _parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _runs_edit(change):
    def make(path):
        runs = pd.read_parquet(path)
        return _parquet(change(runs))
    return make


def _with(df, **cols):
    df = df.copy()
    for k, v in cols.items():
        df[k] = v
    return df


def _report_is_file(root: Path) -> None:
    (root / "report").write_text("not a folder")


def _report_is_link(root: Path) -> None:
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    (root / "report").symlink_to(elsewhere)


def _chunk_symlink(root: Path) -> None:
    """The damaged job's chunk 1 runs file is a link to its chunk 0 (checksum fixed)."""
    folder = root / BAD / "chunks"
    target = folder / "runs-00001.parquet"
    target.unlink()
    target.symlink_to(folder / "runs-00000.parquet")
    marker = folder / "chunk-00001.json"
    info = json.loads(marker.read_text())
    info["runs_sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    marker.write_text(json.dumps(info))


def _chunks_symlink(root: Path) -> None:
    """The damaged job's chunks/ is a link to a copy of itself elsewhere."""
    chunks = root / BAD / "chunks"
    elsewhere = root.parent / "elsewhere-chunks"
    shutil.move(chunks, elsewhere)
    chunks.symlink_to(elsewhere)


#: id -> (damage, text the one-line warning must contain)
CASES = {
    # job.json itself
    "job-not-json": (_write_job("{'scenario': status_quo"), "job.json is not valid JSON"),
    "job-a-list": (_write_job("[1, 2, 3]"), "JSON list, not an object"),
    "job-empty-object": (_write_job("{}"), "job.json has no 'scenario'"),
    "job-deeply-nested": (_write_job("[" * 100_000 + "]" * 100_000), "not valid JSON"),
    "job-not-utf8": (lambda r: _job(r).write_bytes(b"\xff\xfe{}"), "not valid JSON"),
    "job-nan": (_set("n_runs", value=float("nan")), "not valid JSON"),
    "job-symlink": (_symlink_job, "symbolic link"),
    "job-is-a-folder": (lambda r: (_job(r).unlink(), _job(r).mkdir()), "job.json cannot be read"),
    # the plan it states
    "chunk-size-0": (_set("chunk_size", value=0), "chunk_size=0 does not match"),
    "seeds-1e12": (_set("seeds", value=[0, 1e12]), "seeds=[0, 1000000000000.0] does not match"),
    "seeds-huge-int": (_set("seeds", value=[0, 10**12]), "does not match its stored config"),
    "seeds-reversed": (_set("seeds", value=[4, 1]), "does not match"),
    "points-not-a-list": (_set("points", value="everything"), "points='everything': must be a list"),
    "n-runs-wrong": (_set("n_runs", value=400), "n_runs=400 does not match"),
    "hash-of-another-config": (_set("config", "world", "threat_perception", value=1.7),
                               "config_hash="),
    "overrides-not-strings": (_set("overrides", value=[1, 2]), "overrides must be a list of strings"),
    # the config it stores (never run)
    "unknown-strategy": (_set("config", "strategies", "default", value="evil"),
                         "strategies.default='evil': unknown strategy"),
    "unknown-key": (_set("config", "world", "_target_", value="os.system"),
                    "world._target_"),
    "config-incomplete": (_set("config", value={"sweep": {}}), "stored config"),
    "config-chunk-size-0": (_set("config", "sweep", "chunk_size", value=0),
                            "sweep.chunk_size=0"),
    "config-seeds-float": (_set("config", "sweep", "seeds", value=1e12), "sweep.seeds"),
    # its chunks (markers updated so they still count as complete)
    "runs-garbage": (_replace_chunk(0, lambda p: os.urandom(3000)),
                     "chunk 0 skipped: runs-00000.parquet is not a readable Parquet table"),
    "years-garbage": (_replace_chunk(1, lambda p: os.urandom(3000)),
                      "chunk 0 skipped: years-00000.parquet is not a readable Parquet table"),
    "runs-wrong-columns": (_replace_chunk(0, lambda p: _parquet(pd.DataFrame({"a": [1, 2]}))),
                           "runs-00000.parquet lacks the column(s) run_id"),
    "years-wrong-columns": (_replace_chunk(1, lambda p: _parquet(pd.DataFrame({"a": [1, 2]}))),
                            "years-00000.parquet lacks the column(s) run_id"),
    "years-rows-cut": (_replace_chunk(1, lambda p: _parquet(pd.read_parquet(p).iloc[:7])),
                       "not one per run and year"),
    "runs-ids-shifted": (_replace_chunk(0, _runs_edit(lambda r: _with(r, run_id=r["run_id"] + 2))),
                         "run ids are not the chunk's"),
    "runs-seeds-changed": (_replace_chunk(0, _runs_edit(lambda r: _with(r, seed=r["seed"] + 99))),
                           "seeds are not the plan's"),
    "runs-outcome-unknown": (_replace_chunk(0, _runs_edit(lambda r: _with(r, outcome="victory"))),
                             "unknown outcome 'victory'"),
    "runs-metric-text": (_replace_chunk(0, _runs_edit(lambda r: _with(r, density="high"))),
                         "column density is not numeric"),
    "runs-metric-nan": (_replace_chunk(0, _runs_edit(lambda r: _with(r, density=float("nan")))),
                        "column density holds NaN"),
    "chunk-file-symlink": (_chunk_symlink, "symbolic links"),
    "chunks-folder-symlink": (_chunks_symlink, "chunks/ is a symbolic link"),
}
FATAL = {
    "report-path-is-a-file": (_report_is_file, "exists and is not a folder"),
    "report-path-is-a-link": (_report_is_link, "is a symbolic link"),
}


class Hang(BaseException):
    pass


def run_report(root: Path, *args: str, capsys) -> tuple[int, str, str]:
    """``python -m sim.experiments.report`` in-process, with a time limit (a hang fails the test)."""
    def hang(signum, frame):      # not TimeoutError: an OSError the code may catch
        raise Hang("sim.experiments.report did not finish within 60 s")
    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        report.main([str(root), *args])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def damaged_copy(sweep: Path, tmp_path: Path, damage) -> Path:
    root = tmp_path / "t"
    shutil.copytree(sweep, root, symlinks=True)
    damage(root)
    return root


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_job_is_skipped_and_named(sweep, tmp_path, capsys, case):
    damage, text = CASES[case]
    root = damaged_copy(sweep, tmp_path, damage)
    code, out, err = run_report(root, "--no-plots", capsys=capsys)
    assert code == 0, err
    runs = pd.read_parquet(root / "report" / "runs.parquet")
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, err
    assert text in warnings[0], warnings[0]
    assert BAD in warnings[0], warnings[0]
    assert ", 1 skipped)" in out, out
    if case.startswith(("runs-", "years-", "chunk-file")):
        # only the damaged chunk is left out: the job's other chunk still counts
        kept = [0, 1] if case == "chunk-file-symlink" else [2, 3]       # chunk 1 or 0 damaged
        assert sorted(runs.loc[runs["scenario"] == "status_quo", "run_id"]) == kept
    else:
        assert set(runs["scenario"]) == {"cold_war_race"}
        assert len(runs) == SEEDS
    manifest = json.loads((root / "report" / "manifest.json").read_text())
    assert manifest["skipped"] == [w.removeprefix("warning: ") for w in warnings]
    assert "failed a check" in (root / "report" / "index.html").read_text()


@pytest.mark.parametrize("case", list(FATAL))
def test_report_path_that_is_not_a_folder_is_refused(sweep, tmp_path, capsys, case):
    damage, text = FATAL[case]
    root = damaged_copy(sweep, tmp_path, damage)
    code, out, err = run_report(root, capsys=capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and text in err, err
    assert not any((tmp_path / "elsewhere").iterdir()) if (tmp_path / "elsewhere").exists() else True


def test_nothing_usable_left_is_one_line(sweep, tmp_path, capsys):
    root = tmp_path / "t"
    shutil.copytree(sweep / BAD, root / BAD)
    _write_job("[]")(root)
    code, out, err = run_report(root, capsys=capsys)
    assert code == 2
    lines = err.splitlines()
    assert lines[-1].startswith("error: ") and "no complete results found" in lines[-1], err
    assert "1 skipped" in lines[-1]
    assert not (root / "report").exists()


def test_verify_never_runs_a_config_that_does_not_validate(sweep, tmp_path, capsys, monkeypatch):
    """A stored config with an unknown strategy is skipped, so --verify re-runs only the
    good job's runs; the stored config is never given to the model."""
    root = damaged_copy(sweep, tmp_path, CASES["unknown-strategy"][0])
    ran = []
    real = report.rerun
    monkeypatch.setattr(report, "rerun", lambda jobs, row: ran.append(row["job"]) or real(jobs, row))
    code, out, err = run_report(root, "--no-plots", "--verify", "100", capsys=capsys)
    assert code == 0, err
    assert f"verify: {SEEDS} runs re-run, all identical" in out
    assert set(ran) == {GOOD} and len(ran) == SEEDS


def test_command_line_on_a_tampered_folder(sweep, tmp_path):
    """The real command: garbage job.json in one job, report built from the other."""
    root = damaged_copy(sweep, tmp_path, _write_job("not json"))
    result = subprocess.run([sys.executable, "-m", "sim.experiments.report", str(root), "--no-plots"],
                            capture_output=True, text=True, timeout=300,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"warning: {BAD}: skipped: job.json is not valid JSON "
        "(Expecting value: line 1 column 1 (char 0))"]


def test_a_plan_of_a_trillion_runs_does_not_hang(sweep, tmp_path, capsys):
    """A consistent job.json (hash recomputed) claiming 10^12 seeds: the report looks at
    the chunk markers on disk, not at every chunk the plan could have."""
    from sim.experiments.plan import Plan

    def huge(job):
        job["config"]["sweep"]["seeds"] = 10**12
        plan = Plan.from_config(job["config"])
        job.update(seeds=[plan.seeds[0], plan.seeds[-1]], n_runs=plan.n_runs,
                   n_chunks=plan.n_chunks, config_hash=plan.config_hash)

    root = damaged_copy(sweep, tmp_path, lambda r: _edit_job(r, huge))
    code, out, err = run_report(root, "--no-plots", capsys=capsys)
    assert code == 0, err
    runs = pd.read_parquet(root / "report" / "runs.parquet")
    assert set(runs["scenario"]) == {"cold_war_race"}      # its chunks are of another plan
    # (should validation ever bound sweep.seeds, the job is skipped and named instead)
    assert "(2 complete chunks, 500000000000 missing)" in out or "sweep.seeds" in err, out + err
