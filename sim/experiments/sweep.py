"""Batched sweeps inside one Hydra job: grid points x seeds, in chunks, on all cores.

Hydra's multirun covers the coarse dimension (scenarios, a few values); each of its
jobs runs ``sweep.grid`` x ``sweep.seeds`` runs here, split into chunks of
``sweep.chunk_size`` runs. A chunk is written atomically (two Parquet files, then a
JSON marker with their checksums), so a folder only ever holds complete chunks; run
the same command again and only the missing or corrupt chunks are run. Every run
draws all its randomness from its own seed, so results do not depend on the executor,
the number of workers or the order in which chunks finish.

Layout of a job folder::

    job.json                 plan: scenario, grid, seeds, run count, config hash, resolved config
    manifest.json            command, versions, git commit, start and end time
    design.json              the sampling design (``sweep.design``), when the job has one
    chunks/runs-00000.parquet    one row per run (outcome, metrics, final camp sizes, ...)
    chunks/years-00000.parquet   one row per run and year (the model table's columns)
    chunks/chunk-00000.json      completion marker with both files' SHA-256
    .lock                    held (flock) while a sweep runs here: pid, host, start time

The plan itself (points, seeds, hash, folder names) lives in :mod:`sim.experiments.plan`. Local
workers die with the sweep (``PR_SET_PDEATHSIG``) and never write for a sweep that is
gone; a run that overflows (NaN or infinity) stops the job with one line, unsaved.
"""

from __future__ import annotations

import copy
import gc
import multiprocessing as mp
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import manifest
from sim.errors import EXIT_FAILED, EXIT_INTERRUPTED, fail
from sim.io import NonFiniteError, atomic_write_json, first_non_finite, is_disk_full
from sim.experiments.chunks import ChunkStore
from sim.experiments.plan import Plan, apply_point, stored_hash
from sim.experiments.run import simulate_worlds, summary

#: Chunks a local worker runs before it is replaced by a fresh one (the environment
#: variable is for tests, which recycle after every chunk).
RECYCLE = int(os.environ.get("SPACERACE_RECYCLE", "40"))


# --- the work: one chunk of runs -------------------------------------------------------

def run_chunk(plain: dict, plan: Plan, k: int) -> dict:
    """Run chunk ``k`` (see :func:`_run_chunk`); an overflow is reported by name, once."""
    with np.errstate(all="ignore"):
        return _run_chunk(plain, plan, k)


def _run_chunk(plain: dict, plan: Plan, k: int) -> dict:
    """Run chunk ``k``; returns its run rows and per-year series as plain arrays.

    Runs of the same grid point go ``sweep.lockstep`` at a time through one model that
    holds one world per seed (:func:`sim.experiments.run.simulate_many`): the same results as one
    model per run, with the yearly bookkeeping paid once for all of them."""
    rows, years, ids, starts = [], [], [], []
    for point_idx, run_ids in _by_point(plan, plan.chunk(k), int(plain["sweep"]["lockstep"])):
        cfg = apply_point(plain, plan.points[point_idx])
        seeds = [plan.run(r)[1] for r in run_ids]
        worlds = simulate_worlds(cfg, seeds)
        for (model, b), run_id, seed in zip(worlds, run_ids, seeds):
            row = {"run_id": run_id, "seed": seed, **plan.points[point_idx],
                   **summary(model, world=b)}
            bad = first_non_finite(row) or first_non_finite(model.world_rows[b], "yearly table")
            if bad:
                point = ", ".join(f"{k}={v}" for k, v in plan.points[point_idx].items())
                raise NonFiniteError(f"run {run_id} (seed {seed}{', ' + point if point else ''}) "
                                     f"gave a non-finite {bad}")
            rows.append(row)
            years.append(model.world_rows[b].astype(np.float32))
            ids.append(run_id)
            starts.append(model.start_year)  # a grid may change the years a run covers
        del worlds, model       # freed at once: the model holds no reference cycles
    return {"chunk": k, "rows": rows, "years": years, "run_ids": np.array(ids),
            "start_years": np.array(starts)}


#: In a local pool worker: the sweep's main process and the worker's own parent
_owner: tuple[int, int] | None = None


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (``PR_SET_PDEATHSIG``), so a
    worker never outlives a sweep killed with ``kill -9``."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def owner_alive() -> bool:
    """In a pool worker: whether the sweep that started it is still there (else the
    worker must not write)."""
    if _owner is None:
        return True
    main, parent = _owner
    if os.getppid() != parent:
        return False
    try:
        os.kill(main, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _start_worker(main_pid: int | None = None) -> None:
    """Set up a local pool worker. It leaves Ctrl-C to the parent, which stops the
    workers and keeps finished chunks. And it moves what it inherited (modules, kernels,
    the config) out of the cycle collector's scan (``gc.freeze``), so the collector's
    automatic passes never touch those pages and they stay shared with the parent
    (copy-on-write). No collection is needed after a model: a sweep's model holds no
    reference cycles, so its arrays go when the last reference does
    (``tests/test_sweep.py::test_a_sweep_model_is_freed_without_the_cycle_collector``)."""
    global _owner
    _die_with_parent()
    _owner = (main_pid or os.getppid(), os.getppid())
    if not owner_alive():       # the parent died before the death signal was armed
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.collect()
    gc.freeze()


def _by_point(plan: Plan, run_ids: range, size: int):
    """Consecutive runs of one grid point, at most ``size`` at a time."""
    block: list[int] = []
    point = None
    for run_id in run_ids:
        p = plan.run(run_id)[0]
        if block and (p != point or len(block) == size):
            yield point, block
            block = []
        point = p
        block.append(run_id)
    if block:
        yield point, block


class _CtrlC:
    """While a pool runs, Ctrl-C only sets a flag; the loop that waits for chunks checks
    it and stops the workers itself (an exception raised at an arbitrary moment, e.g.
    while a worker is being forked, could otherwise be lost or leave a worker behind)."""

    def __init__(self):
        self.pressed = False

    def __enter__(self):
        self.old = signal.getsignal(signal.SIGINT)
        # started in the background (`cmd &`), Ctrl-C is ignored: the shell means it so
        self.installed = self.old is not signal.SIG_IGN
        if self.installed:
            signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.pressed = True

    def __exit__(self, *exc):
        if self.installed:      # a handler set outside Python (None) cannot be put back
            signal.signal(signal.SIGINT, signal.SIG_DFL if self.old is None else self.old)
        return False

    def check(self):
        if self.pressed:
            raise KeyboardInterrupt


def run_and_store(plain: dict, plan: Plan, k: int, folder: str, scenario: str) -> dict:
    """Run chunk ``k`` and write it atomically where it runs (local workers share the
    disk); only its size goes back to the parent process."""
    result = run_chunk(plain, plan, k)
    if not owner_alive():       # the sweep is gone: write nothing, end quietly
        os._exit(1)
    ChunkStore(Path(folder), plan, scenario).write(result)
    return {"chunk": k, "n_runs": len(result["rows"])}


# --- executors ------------------------------------------------------------------------

def _local(plain, plan, pending, workers, store):
    workers = min(workers, len(pending))        # never more workers than chunks
    if workers <= 1:
        for k in pending:
            yield run_and_store(plain, plan, k, str(store.folder), store.scenario)
        return
    _warm_up(plain, plan)
    ctx = _context()
    # fresh workers every RECYCLE chunks each: a long-lived worker's memory creeps up
    # (~9 kB a run, allocator fragmentation), so a 100,000-run sweep would not stay flat
    batch = RECYCLE * workers
    with _CtrlC() as ctrl_c:
        for start in range(0, len(pending), batch):
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                       initializer=_start_worker, initargs=(os.getpid(),))
            yield from _drain(pool, plain, plan, pending[start:start + batch], workers,
                              ctrl_c, store)


def _warm_up(plain, plan) -> None:
    """Run one world for one year here, results discarded, before the workers are forked:
    this process then holds the compiled kernels (loaded from numba's disk cache) and the
    per-configuration caches, and every forked worker shares them instead of loading them
    again in its first chunk (about 0.3 s of CPU a worker; a 10,000-run sweep starts four).
    Only an optimisation: whatever goes wrong here is left to the workers to report."""
    try:
        cfg = copy.deepcopy(apply_point(plain, plan.points[0]))
        cfg["world"]["horizon"] = cfg["world"]["start_year"]
        with np.errstate(all="ignore"):
            for model, b in simulate_worlds(cfg, [plan.seeds[0]]):
                summary(model, world=b)
    except Exception:  # noqa: BLE001 - the real runs raise it where it is reported
        pass


def _context():
    """Workers are forked (cheap: they share the imported model). The parent forks only
    while it runs a single thread (tqdm's monitor thread is off, the previous pool's
    threads are joined), since forking a process with other threads running copies
    their locks half-held; a sweep that replaced its workers once ended in ``terminate
    called without an active exception``."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _drain(pool, plain, plan, pending, workers, ctrl_c, store):
    todo, running = list(pending), set()
    try:
        while todo or running:
            while todo and len(running) < 2 * workers:   # bounded: memory stays flat
                running.add(pool.submit(run_and_store, plain, plan, todo.pop(0),
                                        str(store.folder), store.scenario))
            done, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            ctrl_c.check()
            for fut in done:
                yield fut.result()
    except BaseException:
        # take the workers before shutdown(): it forgets them (Python 3.12 sets
        # _processes to None), and they would go on running and writing queued chunks
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for proc in procs:
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.join(timeout=5)
        raise
    pool.shutdown()


def _ray(plain, plan, pending, workers, address, store):
    try:
        import ray
    except ImportError:
        raise SystemExit("error: sweep.executor='ray': Ray is not installed; "
                         "pip install -e '.[ray]' (or use sweep.executor=local)") from None
    started_here = not ray.is_initialized()
    if started_here:
        kwargs = {"address": address} if address else {"num_cpus": workers}
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False,
                 **kwargs)
    remote = ray.remote(run_chunk)
    plain_ref, plan_ref = ray.put(plain), ray.put(plan)
    todo, running = list(pending), []
    ctrl_c = _CtrlC().__enter__()
    try:
        while todo or running:
            while todo and len(running) < 2 * workers:
                running.append(remote.remote(plain_ref, plan_ref, todo.pop(0)))
            done, running = ray.wait(running, num_returns=1, timeout=0.2)
            ctrl_c.check()
            for ref in done:
                result = ray.get(ref)           # workers may be on other machines:
                store.write(result)             # the driver writes
                yield {"chunk": result["chunk"], "n_runs": len(result["rows"])}
    except BaseException:
        for ref in running:
            ray.cancel(ref, force=True)
        raise
    finally:
        ctrl_c.__exit__()
        if started_here:
            ray.shutdown()


def execute(plain: dict, plan: Plan, pending: list[int], store: ChunkStore):
    """Run the pending chunks with the configured executor; yield each finished chunk,
    in completion order, once it is stored (``{"chunk", "n_runs"}``)."""
    sw = plain["sweep"]
    match sw["executor"]:
        case "serial":
            return _local(plain, plan, pending, 1, store)
        case "local":
            return _local(plain, plan, pending, int(sw["workers"]), store)
        case "ray":
            return _ray(plain, plan, pending, int(sw["workers"]), sw["ray_address"], store)
        case other:
            raise ValueError(f"sweep.executor={other!r}: allowed: local, serial, ray")


# --- one job ----------------------------------------------------------------------------

def run_job(plain: dict, out: Path, overrides: list[str] | None = None) -> dict:
    """Run (or resume) every missing chunk of this job's runs into ``out`` (holding the
    job folder's lock: a second sweep on the same folder is refused, naming this one)."""
    from sim.io import FolderLock, Locked

    try:
        with FolderLock(out / ".lock"):
            return _run_job(plain, out, overrides)
    except Locked as e:
        fail(in_use(plain["sweep"]["name"], out, e.holder))


def in_use(name: str, folder: Path, info: dict) -> str:
    """The one line for a sweep folder locked by another sweep (who, where, since when)."""
    return (f"sweep.name={name!r}: {folder} is in use by process {info.get('pid', '?')} on "
            f"host {info.get('host', '?')} since {info.get('since', '?')}; wait for it to "
            "finish (or stop it), or choose another sweep.name")


def saved_runs(store: ChunkStore, plan: Plan) -> int:
    """Runs in complete chunks on disk (what a resume will not redo)."""
    return sum(len(plan.chunk(k)) for k in range(plan.n_chunks) if store.complete(k))


def _run_job(plain: dict, out: Path, overrides: list[str] | None) -> dict:
    from tqdm import tqdm

    tqdm.monitor_interval = 0       # no monitor thread: workers are forked from one thread
    plan = Plan.from_config(plain)
    scenario = plain["scenario_name"]
    job_file = out / "job.json"
    if stored_hash(out) not in (None, plan.config_hash):
        fail(f"sweep folder {out} holds a different sweep (its config differs); "
             f"choose another sweep.name or delete that folder")
    started = manifest.now()
    store = ChunkStore(out, plan, scenario)
    resume = "run the same command again to resume"
    try:
        atomic_write_json(job_file, {
            "scenario": scenario, "overrides": overrides or [], "grid": plain["sweep"]["grid"],
            "points": plan.points,
            "seeds": [plan.seeds[0], plan.seeds[-1]], "n_runs": plan.n_runs,
            "chunk_size": plan.chunk_size, "n_chunks": plan.n_chunks,
            "config_hash": plan.config_hash, "config": plain})
        if plan.design_n:               # the design beside its runs (sim.experiments.analyze reads it)
            from sim.experiments.designs import save
            from sim.experiments.plan import design_of
            save(design_of(plain), out / "design.json")
        pending = [k for k in range(plan.n_chunks) if not store.complete(k)]
        to_run = sum(len(plan.chunk(k)) for k in pending)
        t0 = time.perf_counter()
        bar = tqdm(total=plan.n_runs, initial=plan.n_runs - to_run, unit="run", smoothing=0.1,
                   desc=f"{scenario}", disable=not plain["sweep"]["progress"], file=sys.stderr,
                   dynamic_ncols=True)
        try:
            for result in execute(plain, plan, pending, store):
                bar.update(result["n_runs"])
        finally:
            bar.close()
        elapsed = time.perf_counter() - t0
        info = manifest.build(scenario=scenario, started=started, finished=manifest.now(),
                              runs=plan.n_runs, ran_now=to_run, seconds=round(elapsed, 3),
                              config_hash=plan.config_hash, config=plain)
        atomic_write_json(out / "manifest.json", info)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {saved_runs(store, plan)} of {plan.n_runs} runs are saved in "
              f"{out}; {resume}", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except NonFiniteError as e:
        fail(f"{e}: the config's numbers are too large for the model (an overflow); "
             f"nothing of it was saved. Lower them (`python -m sim --help` lists the ranges)",
             EXIT_FAILED)
    except OSError as e:
        if not is_disk_full(e):
            raise
        fail(f"output.root={plain['output']['root']!r}: the disk is full ({e.strerror}); "
             f"{saved_runs(store, plan)} of {plan.n_runs} runs are saved in {out}: free some "
             f"space, then {resume}", EXIT_FAILED)
    counts = _outcome_counts(store, plan)
    shares = " · ".join(f"{o} {100 * counts.get(o, 0) / max(plan.n_runs, 1):.0f}%"
                        for o in ("collaboration", "bloc", "race"))
    print(f"{scenario}: {plan.n_runs} runs ({to_run} now, {elapsed:.1f} s) — {shares} — {out}")
    return info


def _outcome_counts(store: ChunkStore, plan: Plan) -> dict:
    counts: dict[str, int] = {}
    for k in range(plan.n_chunks):
        outcomes = pd.read_parquet(store.paths(k)[0], columns=["outcome"])["outcome"]
        for o, c in outcomes.value_counts().items():
            counts[o] = counts.get(o, 0) + int(c)
    return counts
