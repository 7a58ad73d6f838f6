"""A sweep survives being killed: SIGKILL or Ctrl-C (SIGINT to the whole process group,
as a terminal sends it) at many different moments, then the same command again, gives
exactly the tables of an uninterrupted sweep — no run lost, none duplicated. Truncated
or corrupt chunks are detected and redone.

The sweep runs as ``python -m sim`` in its own session (start_new_session=True), so the
test can signal the parent and its forked workers together with os.killpg. Moments are
chosen by watching the job folder (job.json rewritten, chunk markers appearing, a chunk
half-written), not by wall-clock time alone, so they stay meaningful on a slow machine.
"""

from __future__ import annotations

import os
import subprocess
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from chunk_files import (chunk_files, cut, finish, marker_state, ok, run,  # noqa: E402
                         runs_table, stamp, start, years_table)

SEEDS, CHUNK = 160, 8
N_CHUNKS = SEEDS // CHUNK
SWEEP = ["scenario=status_quo", f"sweep.chunk_size={CHUNK}", "sweep.workers=2",
         "sweep.executor=local"]
RESUME_HINT = "run the same command again to resume"


# --- helpers -------------------------------------------------------------------------------

def command(root: Path, name: str, seeds: int = SEEDS, python: list[str] | None = None) -> list[str]:
    return [*(python or [sys.executable, "-m", "sim"]), *SWEEP, f"sweep.seeds={seeds}",
            f"sweep.name={name}", f"output.root={root}", "sweep.progress=false"]


def the_job(root: Path, name: str) -> Path | None:
    jobs = sorted((root / "sweeps" / name).glob("*/job.json"))
    assert len(jobs) <= 1, jobs
    return jobs[0].parent if jobs else None


def marker_valid(job: Path, k: int) -> bool | None:
    """None when chunk k has no marker; else whether it matches the chunk's files."""
    return marker_state(job, k, CHUNK)


def complete(job: Path | None) -> int:
    return 0 if job is None else sum(marker_valid(job, k) is True for k in range(N_CHUNKS))


def assert_no_broken_markers(job: Path | None, when: str) -> None:
    """Writes are atomic and a marker comes last: no marker may ever disagree with its files."""
    if job is None:
        return
    bad = [k for k in range(N_CHUNKS) if marker_valid(job, k) is False]
    assert not bad, f"{when}: chunks {bad} have a marker that does not match their files"


def assert_same_as_reference(job: Path, reference: dict) -> None:
    assert complete(job) == N_CHUNKS
    runs, years = runs_table(job), years_table(job)
    assert runs["run_id"].is_unique, "a run is stored twice"
    assert runs["run_id"].tolist() == list(range(SEEDS)), "runs are missing"
    assert not years.duplicated(["run_id", "year"]).any(), "a run-year is stored twice"
    assert len(years) == SEEDS * years["year"].nunique()
    pd.testing.assert_frame_equal(runs, reference["runs"])
    pd.testing.assert_frame_equal(years, reference["years"])


def group_alive(pgid: int) -> list[int]:
    """Processes of the group that are still running (zombies do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def assert_group_gone(pgid: int, timeout: float = 15) -> None:
    if not Path("/proc/self/stat").exists():
        return
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(pgid), "worker processes outlived the sweep"


# --- choosing the moment to interrupt ----------------------------------------------------------

class Watch:
    """What a running sweep has done since this attempt started, read from its folder."""

    def __init__(self, root: Path, name: str):
        self.root, self.name, self.t0 = root, name, time.monotonic()
        self.job_stamp0 = self.job_stamp()
        self.markers0 = len(self.markers())
        self.leftovers = self.unmarked()
        self.caught: list[str] = []

    def job(self) -> Path | None:
        return the_job(self.root, self.name)

    def job_stamp(self):
        job = self.job()
        try:
            return stamp(job / "job.json") if job else None
        except OSError:
            return None

    def names(self) -> list[str]:
        job = self.job()
        try:
            return os.listdir(job / "chunks") if job else []
        except OSError:
            return []

    def markers(self) -> list[str]:
        return [n for n in self.names() if n.startswith("chunk-") and n.endswith(".json")]

    def unmarked(self) -> dict[str, int]:
        """Data and temporary files of chunks that have no marker (name -> mtime)."""
        names = set(self.names())
        out = {}
        for n in names:
            m = re.fullmatch(r"\.?(?:runs|years)-(\d{5})\.parquet.*", n)
            if m and f"chunk-{m.group(1)}.json" not in names:
                try:
                    out[n] = os.stat(self.job() / "chunks" / n).st_mtime_ns
                except (OSError, TypeError):
                    pass
        return out

    def new_markers(self) -> int:
        return len(self.markers()) - self.markers0


def after(seconds):
    return lambda w: time.monotonic() - w.t0 >= seconds


def job_written(w: Watch) -> bool:
    return w.job_stamp() not in (None, w.job_stamp0)


def new_markers(n):
    return lambda w: w.new_markers() >= n


def half_written(fallback_markers: int = 5):
    """A chunk caught between its first file and its marker (or, should the polling
    miss that window, after ``fallback_markers`` new markers)."""
    def cond(w: Watch) -> bool:
        fresh = {n: t for n, t in w.unmarked().items() if w.leftovers.get(n) != t}
        if fresh:
            w.caught = sorted(fresh)
        return bool(fresh) or w.new_markers() >= fallback_markers
    return cond


def interrupt(root: Path, name: str, cond, delay: float, sig: int, cmd=None):
    """Start the sweep, wait for ``cond``, sleep ``delay``, send ``sig`` to its group."""
    watch = Watch(root, name)
    proc = start(cmd or command(root, name))
    signalled = False
    try:
        while proc.poll() is None:
            if cond(watch):
                time.sleep(delay)
                if proc.poll() is None:
                    os.killpg(proc.pid, sig)
                    signalled = True
                break
            if time.monotonic() - watch.t0 > 240:
                raise AssertionError("the moment never came")
            time.sleep(0.003)
    finally:
        out, err = finish(proc)
    proc.caught = watch.caught
    return proc, signalled, out, err


# --- the uninterrupted reference ----------------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    result = ok(run(command(root, "reference")))
    assert f"{SEEDS} runs ({SEEDS} now" in result.stdout
    job = the_job(root, "reference")
    assert complete(job) == N_CHUNKS
    return {"root": root, "job": job, "runs": runs_table(job), "years": years_table(job)}


# --- SIGKILL --------------------------------------------------------------------------------

KILL_MOMENTS = [
    ("0.5 s after start (interpreter starting)", after(0.5), 0.0),
    ("as soon as job.json is written (workers starting)", job_written, 0.0),
    ("the first new chunk marker", new_markers(1), 0.0),
    ("a chunk half-written (files but no marker yet)", half_written(), 0.0),
    ("0.1 s after the second new marker", new_markers(2), 0.1),
    ("the third new marker", new_markers(3), 0.0),
]


@pytest.mark.slow
def test_sigkill_at_many_moments_then_resume(reference, tmp_path):
    name, saved, log = "killed", 0, []
    for label, cond, delay in KILL_MOMENTS:
        proc, signalled, out, err = interrupt(tmp_path, name, cond, delay, signal.SIGKILL)
        assert signalled and proc.returncode == -signal.SIGKILL, (
            f"{label}: the sweep ended by itself (exit {proc.returncode}) before the kill;"
            f" make it bigger\n{out}\n{err}")
        assert_group_gone(proc.pid)
        job = the_job(tmp_path, name)
        assert_no_broken_markers(job, f"after SIGKILL at {label}")
        now = complete(job)
        assert now >= saved, f"SIGKILL at {label} lost finished chunks ({saved} -> {now})"
        assert now < N_CHUNKS, f"SIGKILL at {label} came too late: the sweep was done"
        saved = now
        caught = f" (caught {', '.join(proc.caught)})" if proc.caught else ""
        log.append(f"SIGKILL at {label}{caught}: {now}/{N_CHUNKS} chunks saved")
    print("\n".join(log))
    assert len(log) >= 5

    result = ok(run(command(tmp_path, name)))
    assert f"{SEEDS} runs ({SEEDS - CHUNK * saved} now" in result.stdout, result.stdout
    assert_same_as_reference(the_job(tmp_path, name), reference)


# --- SIGINT (Ctrl-C) ------------------------------------------------------------------------

INT_MOMENTS = [
    ("the first new chunk marker", new_markers(1), 0.0),
    ("a chunk half-written (files but no marker yet)", half_written(), 0.0),
    ("0.05 s after the second new marker", new_markers(2), 0.05),
]


def assert_clean_interrupt(proc, out: str, err: str, job: Path | None, label: str) -> None:
    assert proc.returncode == 130, f"Ctrl-C at {label}: exit {proc.returncode}\n{out}\n{err}"
    assert RESUME_HINT in err, f"Ctrl-C at {label}: no resume message\n{err}"
    assert "Traceback" not in err + out, f"Ctrl-C at {label}: traceback\n{err}"
    m = re.search(rf"interrupted: (\d+) of {SEEDS} runs are saved", err)
    if m:   # the count it reports is really on disk
        assert int(m.group(1)) <= CHUNK * complete(job), err


@pytest.mark.slow
def test_sigint_at_several_moments_then_resume(reference, tmp_path):
    name, saved = "interrupted", 0
    for label, cond, delay in INT_MOMENTS:
        proc, signalled, out, err = interrupt(tmp_path, name, cond, delay, signal.SIGINT)
        assert signalled, f"{label}: the sweep ended before Ctrl-C; make it bigger"
        job = the_job(tmp_path, name)
        assert_clean_interrupt(proc, out, err, job, label)
        assert_group_gone(proc.pid)          # the parent stopped its workers
        assert_no_broken_markers(job, f"after Ctrl-C at {label}")
        now = complete(job)
        assert saved <= now < N_CHUNKS
        saved = now
    result = ok(run(command(tmp_path, name)))
    assert f"{SEEDS} runs ({SEEDS - CHUNK * saved} now" in result.stdout, result.stdout
    assert_same_as_reference(the_job(tmp_path, name), reference)


#: runs ``python -m sim`` with a patch: the Ctrl-C is delivered by the process itself at a
#: precise moment, as a terminal would deliver it at that moment
WRAPPER = """
import os, signal, sys, threading, time
import sim.cli.command
{patch}
sys.argv = ["sim", *sys.argv[1:]]
sim.cli.command.main()
"""

CTRL_C_DURING_VALIDATION = """
original = sim.cli.command.check  # the name command.py calls (relayout: keep)
def check(*args, **kwargs):
    # Ctrl-C 0.2 s into the config check (it imports the model and composes every job)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    result = original(*args, **kwargs)
    if not timer.finished.is_set():     # the check was faster: Ctrl-C as it finishes
        timer.cancel()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10)
    return result
sim.cli.command.check = check  # relayout: keep
"""

CTRL_C_WHILE_WORKERS_FORK = """
# Ctrl-C while the worker pool starts: delivered as each worker process has just started
import multiprocessing.process as _mpp
_start = _mpp.BaseProcess.start
def _start_then_ctrl_c(self):
    _start(self)
    os.kill(os.getpid(), signal.SIGINT)
_mpp.BaseProcess.start = _start_then_ctrl_c
"""


def test_ctrl_c_during_config_validation(tmp_path):
    code = WRAPPER.format(patch=CTRL_C_DURING_VALIDATION)
    proc, _, out, err = interrupt(tmp_path, "validating", lambda w: False, 0, signal.SIGINT,
                                  cmd=command(tmp_path, "validating", python=[sys.executable, "-c", code]))
    assert_clean_interrupt(proc, out, err, the_job(tmp_path, "validating"), "config validation")


def test_ctrl_c_while_worker_pool_starts(tmp_path):
    code = WRAPPER.format(patch=CTRL_C_WHILE_WORKERS_FORK)
    cmd = command(tmp_path, "forking", seeds=20, python=[sys.executable, "-c", code])
    result = run(cmd)
    assert_clean_interrupt(result, result.stdout, result.stderr, None, "worker start")


# --- truncated and corrupt chunks ----------------------------------------------------------------

def copy_reference(reference: dict, tmp_path: Path, name: str) -> Path:
    shutil.copytree(reference["root"] / "sweeps" / "reference", tmp_path / "sweeps" / name)
    return the_job(tmp_path, name)


@pytest.mark.slow  # test_resume_redoes_only_missing_chunks[truncated-parquet-and-corrupt-marker] is the fast equivalent
def test_truncated_and_corrupt_chunks_are_redone(reference, tmp_path):
    job = copy_reference(reference, tmp_path, "damaged")

    def flip(path):                                           # one byte rotted, same size
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    cut(chunk_files(job, 3)[0])                               # runs parquet truncated
    cut(chunk_files(job, 7)[1])                               # years parquet truncated
    chunk_files(job, 11)[2].write_bytes(os.urandom(97))       # garbage marker
    flip(chunk_files(job, 15)[1])                             # bit rot in a years file
    cut(chunk_files(job, 18)[2])                              # marker cut in half
    damaged = {3, 7, 11, 15, 18}
    assert [k for k in range(N_CHUNKS) if marker_valid(job, k) is not True] == sorted(damaged)
    kept = {f: stamp(f) for k in range(N_CHUNKS) if k not in damaged for f in chunk_files(job, k)}

    result = ok(run(command(tmp_path, "damaged")))
    assert f"{SEEDS} runs ({CHUNK * len(damaged)} now" in result.stdout, result.stdout
    assert_same_as_reference(job, reference)
    for f, before in kept.items():
        assert stamp(f) == before, f"{f.name} was rewritten although it was intact"


@pytest.mark.slow  # as above: a corrupt marker is redone in the default set
def test_marker_with_json_that_is_not_an_object_is_redone(reference, tmp_path):
    job = copy_reference(reference, tmp_path, "notobject")
    chunk_files(job, 4)[2].write_text("[]\n")
    result = run(command(tmp_path, "notobject"))
    ok(result)
    assert f"{SEEDS} runs ({CHUNK} now" in result.stdout, result.stdout
    assert_same_as_reference(job, reference)


# --- issue 14: processes and their folders --------------------------------------------------

def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _markers(root: Path, name: str) -> set[str]:
    return {p.name for p in (root / "sweeps" / name).glob("*/chunks/chunk-*.json")}


def _wait_for(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [pytest.param(signal.SIGKILL, marks=pytest.mark.slow), signal.SIGTERM])
def test_workers_end_with_the_main_process(tmp_path, sig):
    """Issue 14.4: kill only the sweep's main process; no worker survives and no chunk
    appears afterwards."""
    proc = start(command(tmp_path, "orphans", seeds=4000))
    try:
        _wait_for(lambda: len(_markers(tmp_path, "orphans")) >= 1)
        workers = _descendants(proc.pid)
        assert workers, "no worker processes found"
        os.kill(proc.pid, sig)                      # the main process only, not its group
        proc.wait(timeout=30)
        _wait_for(lambda: not any(_alive(w) for w in workers), timeout=15)
        after = _markers(tmp_path, "orphans")
        time.sleep(3)
        assert _markers(tmp_path, "orphans") == after, "a chunk was written after the kill"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()


def test_second_sweep_on_the_same_folder_is_refused(tmp_path):
    """Issue 14.5: two sweeps with one sweep.name; the second names the first and stops."""
    first = start(command(tmp_path, "twice", seeds=4000))
    try:
        _wait_for(lambda: len(_markers(tmp_path, "twice")) >= 1)
        second = run(command(tmp_path, "twice", seeds=4000), timeout=120)
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: sweep.name='twice'"), second.stderr
        assert f"in use by process {first.pid} on host " in lines[0], lines[0]
        assert "Traceback" not in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()


def test_ctrl_c_counts_what_is_saved(tmp_path):
    """Issue 14.10: the interrupted message counts the complete chunks on disk."""
    proc = start(command(tmp_path, "counted", seeds=4000))
    _wait_for(lambda: len(_markers(tmp_path, "counted")) >= 3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = finish(proc, timeout=120)
    assert proc.returncode == 130, err
    m = re.search(r"interrupted: (\d+) of 4000 runs are saved", err)
    assert m, err
    job = the_job(tmp_path, "counted")
    on_disk = sum(marker_state(job, k, CHUNK) is True for k in range(4000 // CHUNK)) * CHUNK
    assert int(m.group(1)) == on_disk, (m.group(0), on_disk)


@pytest.mark.slow  # worker pools; test_same_tables_for_any_worker_count stays in the default set
def test_recycled_workers_exit_cleanly(tmp_path):
    """Issue 14.9: workers replaced after every chunk; the sweep exits 0 with the same
    tables as one serial process."""
    env = {"SPACERACE_RECYCLE": "1"}
    ok(run(command(tmp_path / "recycled", "r", seeds=48), env=env))
    ok(run([*command(tmp_path / "serial", "r", seeds=48), "sweep.executor=serial"]))
    a, b = (runs_table(the_job(tmp_path / w, "r")) for w in ("recycled", "serial"))
    pd.testing.assert_frame_equal(a, b)


def test_never_more_workers_than_chunks(monkeypatch, tmp_path):
    """Issue 14.3: a pool gets at most one worker per pending chunk."""
    from sim.experiments import sweep

    sizes = []

    class Pool:
        def __init__(self, max_workers, **kw):
            sizes.append(max_workers)
            raise RuntimeError("stop")

    monkeypatch.setattr(sweep, "ProcessPoolExecutor", Pool)
    with pytest.raises(RuntimeError):
        list(sweep._local({}, None, [0, 1], 64, sweep.ChunkStore(tmp_path, None, "x")))
    assert sizes == [2]


def test_full_disk_gives_one_line_and_the_resume_hint(tmp_path):
    """Issue 14.7: a sweep that fills its disk stops with one line and the resume hint;
    what is saved stays complete."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs (needs root)")
    try:
        result = run(command(disk, "full", seeds=4000), timeout=300)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("error: output.root=") and "the disk is full" in last, last
        assert RESUME_HINT in last, last
        job = the_job(disk, "full")
        assert job is not None
        assert_no_broken_markers(job, "disk full")
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
