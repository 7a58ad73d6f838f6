"""Bad input through the real command line: one line, the key, what is allowed, nothing written.

Every case calls the command's entry function (``sim.cli.command.main(argv)`` or
``sim.experiments.report.main(argv)``, as ``python -m sim ...`` does) in a forked copy of the test
process (no interpreter start, no imports: ~0.5 s of Hydra composing each), in its own folder,
with ``output.root`` inside the test's temporary folder, and checks that the command

1. exits with status 2 (``sim.experiments.report``: non-zero),
2. prints exactly one non-empty line on stderr, starting with ``error:`` (and nothing on stdout),
3. names the offending key (and the bad value) and says what is allowed,
4. prints no traceback,
5. leaves no results behind: no file at all under ``output.root`` (an empty folder left
   by the writability probe is fine) and nothing else in the folder it ran in.

The same checks run on real ``python -m`` subprocesses (``test_bad_input_subprocess``): a
few cases in the default set, every case with the slow set. A subprocess costs ~2 s
(mostly importing mesa), so the module-scoped fixture ``runs`` starts the selected ones at
once on a small thread pool. Cases that reveal a bug are kept and marked
``xfail(strict=True)``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import traceback
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
TIMEOUT = 240            # seconds per subprocess (a case that runs the model by mistake takes ~5 s)
WORKERS = max(2, 2 * (os.cpu_count() or 1))
TAG = uuid.uuid4().hex   # names this session's temporary scenario files

#: What a results folder that looks (partly) complete contains.
RESULT_MARKERS = ("outcome.json", "model.parquet", "chunks", "job.json")


@dataclass
class Case:
    id: str
    args: list[str]               # placeholders: {tmp} (the case's folder),
                                  # {broken}/{unknown_key} (temporary scenario names)
    head: str | tuple[str, ...]   # what the line must start with after "error: " (key and value)
    allowed: tuple[str, ...]      # distinctive substrings saying what is allowed
    module: str = "sim"
    code: int | None = 2          # None: any non-zero status
    prep: str | None = None       # "afile": create a regular file <tmp>/afile
    bug: str | None = None        # xfail reason: the case reveals a bug
    root: bool = True             # append output.root=<tmp>/results
    files: tuple[str, ...] = field(default=())   # entries the test itself puts in <tmp>


def C(id, args, head, *allowed, **kw):
    return Case(id, list(args), head, tuple(allowed), **kw)


STRATEGY = ("unknown strategy; allowed: ", "noisy_best_response", "tit_for_tat")
ACTOR_REF = "must name an actor of `actors` (US, China"

CASES = [
    # --- scenario files -----------------------------------------------------------
    C("yaml_syntax_error_in_scenario", ["scenario={broken}"],
      "invalid YAML (", "{broken}.yaml, line 4", "expected ',' or ']'"),
    C("unknown_key_in_scenario_file", ["scenario={unknown_key}"],
      "world.horizn", "unknown key 'horizn'", "allowed: start_year, horizon",),
    C("unknown_scenario", ["scenario=nope"],
      "scenario=nope", "unknown scenario; allowed: ", "cold_war_race, ", "status_quo"),
    C("path_traversal_scenario", ["scenario=../etc"],
      "scenario=../etc", "unknown scenario; allowed: ", "cold_war_race, "),
    # --- keys ---------------------------------------------------------------------
    C("unknown_top_level_key", ["foo=1"],
      "foo: unknown key 'foo'", "allowed: seed, scenario_name, world, actors"),
    C("misspelt_nested_key", ["world.horizn=2040"],
      "world.horizn: unknown key 'horizn'", "allowed: start_year, horizon"),
    C("misspelt_key_added_with_plus", ["+world.horizn=2040"],
      "world.horizn", "unknown key",),
    # --- types --------------------------------------------------------------------
    C("string_for_int", ["world.horizon=abc"],
      "world.horizon='abc'", "must be an integer"),
    C("string_for_float", ["world.threat_perception=abc"],
      "world.threat_perception='abc'", "must be a float"),
    C("list_for_scalar", ["world.horizon=[1,2]"],
      "world.horizon='[1, 2]'", "must be an integer"),
    # --- ranges -------------------------------------------------------------------
    C("probability_above_one", ["world.rules_of_the_road=1.5"],
      "world.rules_of_the_road=1.5", "must be a probability in [0, 1]"),
    C("negative_budget_of_actor", ["actors.US.budget=-1"],
      "actors.US.budget=-1.0", "must be in [0, inf]"),
    C("nan", ["world.threat_perception=nan"],
      "world.threat_perception=nan", "must be a finite number (not NaN or infinity)"),
    C("inf", ["actors.US.budget=inf"],
      "actors.US.budget=inf", "must be a finite number (not NaN or infinity)"),
    C("alignment_above_one", ["actors.US.alignment=1.5"],
      "actors.US.alignment=1.5", "must be in [-1, 1]"),
    C("horizon_before_start", ["world.horizon=2010"],
      "world.horizon=2010", "must be >= world.start_year (2021)"),
    C("outcome_window_longer_than_run", ["outcome.window=40"],
      "outcome.window=40", "must not exceed the number of simulated years (30)"),
    C("bloc_threshold_above_one", ["outcome.bloc=1.5"],
      "outcome.bloc=1.5", "must be in (0, 1]"),
    C("race_threshold_zero", ["outcome.race=0"],
      "outcome.race=0", "must be in (0, 1]"),
    C("west_east_overlap", ["outcome.east=[China,US]"],
      "outcome.east=['China', 'US']", "must not share actors with outcome.west"),
    C("repeal_before_enactment", ["mechanisms.wolf_amendment.repeal_year=2005"],
      "mechanisms.wolf_amendment.repeal_year=2005",
      "must be >= mechanisms.wolf_amendment.enacted (2011) or null"),
    # --- actors -------------------------------------------------------------------
    C("empty_actor_list", ["actors={}"],
      "actors={}", "an empty mapping changes nothing", "~actors.<name>",),
    C("actors_null", ["actors=null"],
      "actors=null", "is a config group; choose one of its files", "documented",),
    C("missing_required_actor", ["~actors.ESA"],
      "actors=['Australia'", "must include ESA"),
    C("duplicate_actor_case_insensitive", ["+actors.us=${actors.US}"],
      "actors='us'", "duplicate actor (also 'US')"),
    C("duplicate_actor_as_dict", ["+actors.us={capability:1.0}"],
      ("actors.us", "actors='us'"), "cannot be added from the command line", "scenario file",),
    C("milestone_unknown_actor", ["milestones.asteroid_mission.actors=[China,Atlantis]"],
      "milestones.asteroid_mission.actors[1]='Atlantis'", ACTOR_REF),
    C("programme_leader_not_actor", ["programmes.artemis.leader=Atlantis"],
      "programmes.artemis.leader='Atlantis'", ACTOR_REF),
    # --- strategies ---------------------------------------------------------------
    C("unknown_strategy_default", ["strategies.default=nope"],
      "strategies.default='nope'", *STRATEGY),
    C("unknown_strategy_by_actor", ["+strategies.by_actor.US=nope"],
      "strategies.by_actor.US='nope'", *STRATEGY),
    C("unknown_strategy_of_actor", ["actors.US.strategy=nope"],
      "actors.US.strategy='nope'", *STRATEGY),
    C("unknown_strategy_parameter", ["+strategies.params.roth_erev.bogus=1"],
      "strategies.params.roth_erev.bogus=1.0",
      "unknown parameter; allowed: ", "initial_propensity"),
    # --- seeds and sweeps ---------------------------------------------------------
    C("zero_seed_count", ["sweep.seeds=0"], "sweep.seeds=0", "must be an integer >= 1"),
    C("negative_seed_count", ["sweep.seeds=-3"], "sweep.seeds=-3", "must be an integer >= 1"),
    C("negative_seed", ["seed=-1"], "seed=-1", "must be an integer >= 0"),
    C("grid_invalid_value", ["+sweep.grid={strategies.noise:[0.5,1.5]}"],
      ("strategies.noise=1.5", "sweep.grid.strategies.noise=1.5"),
      "must be a probability in [0, 1]"),
    C("grid_unknown_key", ["+sweep.grid={world.nosuch:[1,2]}"],
      "sweep.grid.world.nosuch=1", "unknown key 'world.nosuch'"),
    C("multirun_one_bad_combination", ["-m", "world.threat_perception=1.0,-1.0"],
      "world.threat_perception=-1.0", "must be >= 0"),
    C("unknown_executor", ["sweep.executor=nope"],
      "sweep.executor='nope'", "allowed: local, serial, ray"),
    C("sweep_name_traversal", ["sweep.name=../x"],
      "sweep.name='../x'", "use letters, digits and _ only"),
    # --- output, safety and the command line itself ------------------------------
    C("unwritable_output_under_a_file", ["output.root={tmp}/afile/results"],
      "output.root='{tmp}/afile/results'", "folder is not writable (Not a directory)",
      prep="afile", root=False, files=("afile",)),
    C("target_outside_project", ["+hydra.callbacks.x._target_=os.system"],
      "hydra.callbacks.x._target_='os.system'", "callbacks run code and are not allowed"),
    # --- issue 14.1: no code from a config file or an override ----------------------
    C("callback_writes_a_file_from_the_command_line",
      ["+hydra.callbacks.x._target_=sim.io.atomic_write_text", "+hydra.callbacks.x.path={tmp}/X",
       "+hydra.callbacks.x.text=hi"],
      "hydra.callbacks.x._target_='sim.io.atomic_write_text'", "not allowed"),
    C("callback_in_a_scenario_file", ["scenario={callback}", "{sp_callback}"],
      "hydra.callbacks.w._target_='sim.io.atomic_write_text'", "not allowed"),
    C("pickle_loader_in_a_scenario_file", ["scenario={pickle}", "{sp_pickle}"],
      "hydra.callbacks.r._target_='sim.io.pd.read_pickle'", "not allowed"),
    C("callbacks_group", ["hydra/callbacks=x"], ("hydra/callbacks=x", "hydra/callbacks"),
      "unknown"),
    C("launcher_target_not_a_launcher", ["hydra.launcher._target_=sim.io.atomic_write_text"],
      "hydra.launcher._target_='sim.io.atomic_write_text'", "not a registered class; allowed: ",
      "BasicLauncher"),
    C("sweeper_target_prefix_only", ["hydra.sweeper._target_=hydra.utils.instantiate"],
      "hydra.sweeper._target_='hydra.utils.instantiate'", "not a registered class",
      "BasicSweeper"),
    C("target_inside_another_key_in_a_scenario_file", ["scenario={nested_target}", "{sp_nested_target}"],
      "hydra.job.env_set._target_='sim.io.atomic_write_text'", "not a registered class"),
    C("logging_handler_class_runs_code", ["hydra.job_logging.handlers.console.class=subprocess.Popen"],
      "hydra.job_logging.handlers.console.class='subprocess.Popen'", "allowed: ",
      "logging.StreamHandler"),
    C("logging_factory_in_a_scenario_file", ["scenario={log_factory}", "{sp_log_factory}"],
      "hydra.job_logging.handlers.x.()='os.system'", "custom logging factories are not allowed"),
    C("logging_ext_object", ["hydra.job_logging.handlers.console.stream=ext://os.system"],
      "hydra.job_logging.handlers.console.stream='ext://os.system'", "ext://sys.stderr"),
    # --- issue 14.2: nothing written outside output.root ------------------------------
    C("run_dir_outside_root", ["hydra.run.dir={tmp}/outside"],
      "hydra.run.dir='{tmp}/outside'", "must lie inside output.root"),
    C("sweep_dir_outside_root", ["-m", "hydra.sweep.dir={tmp}/outside"],
      "hydra.sweep.dir='{tmp}/outside'", "must lie inside output.root"),
    C("sweep_subdir_escapes", ["-m", "hydra.sweep.subdir=../../../escaped"],
      "hydra.sweep.subdir=", "must lie inside output.root"),
    C("output_subdir_absolute", ["hydra.output_subdir={tmp}/outside"],
      "hydra.output_subdir='{tmp}/outside", "must lie inside output.root"),
    C("output_subdir_dotdot", ["hydra.output_subdir=../../.."],
      "hydra.output_subdir='../../..'", "must be a plain folder name inside the job's folder"),
    C("log_file_outside_root", ["hydra.job_logging.handlers.file.filename={tmp}/outside.log"],
      "hydra.job_logging.handlers.file.filename='{tmp}/outside.log'", "inside output.root"),
    C("hydra_log_file_outside_root",
      ["+hydra.hydra_logging.handlers.f={class:logging.FileHandler,filename:{tmp}/h.log}"],
      "hydra.hydra_logging.handlers.f.filename='{tmp}/h.log'", "inside output.root"),
    C("launcher_folder_outside_root",
      ["-m", "hydra/launcher=submitit_local", "hydra.launcher.submitit_folder={tmp}/outside"],
      "hydra.launcher.submitit_folder='{tmp}/outside'", "must lie inside output.root"),
    C("searchpath_missing_folder", ["hydra.searchpath=[file://{tmp}/nowhere]"],
      "hydra.searchpath='file://{tmp}/nowhere'", "must name an existing folder"),
    C("empty_output_root", ["output.root="], "output.root=", "must name a folder",
      root=False),
    C("blank_output_root", ["output.root=' '"], "output.root=' '", "must name a folder",
      root=False),
    # --- issue 14.3: bounded work ----------------------------------------------------
    C("too_many_workers", ["sweep.workers=1000", "sweep.seeds=32", "sweep.chunk_size=2"],
      "sweep.workers=1000", "at most", "CPUs"),
    C("alias_bomb_in_a_scenario_file", ["scenario={bomb}", "{sp_bomb}"],
      "{sp_dir_bomb}/scenario/{bomb}.yaml", "alias bomb"),
    C("grid_too_many_points", ["+sweep.grid={world.threat_perception:[%s],world.rules_of_the_road:[%s]}"
                               % (",".join(["0.5"] * 101), ",".join(["0.1"] * 100))],
      "sweep.grid='<10100 points>'", "at most 10000 points"),
    C("too_many_runs", ["sweep.seeds=100000000", "+sweep.grid={world.threat_perception:[0.5,1]}"],
      "sweep.seeds=100000000", "at most 10,000,000 runs"),
    C("multirun_too_many_jobs", ["-m", "seed=range(0,2100)", "sweep.seeds=2"],
      "-m: 2100 jobs", "at most 2000"),
    # --- issue 14.7: refused up front, not mid-sweep ------------------------------------
    C("sweep_name_too_long", ["sweep.name=" + "n" * 300, "sweep.seeds=2"],
      "sweep.name='nnnnnnnnnnnnnnnnnnnn...'", "at most 64 characters"),
    C("unknown_flag", ["--bogus"],
      "unknown option '--bogus'", "allowed: -m/--multirun"),
    C("unparsable_override", ["world.horizon=["],
      ("world.horizon", "cannot parse override"), "world.horizon",),
    # --- python -m sim.experiments.report ------------------------------------------------------
    C("report_missing_folder", ["{tmp}/missing"],
      "folder='{tmp}/missing'", "not a folder", module="sim.experiments.report", code=None, root=False),
    C("report_empty_folder", ["{tmp}/empty"],
      "{tmp}/empty", "no complete results found", module="sim.experiments.report", code=None,
      prep="empty", root=False, files=("empty",)),
]

TEMP_SCENARIOS = {
    # a YAML syntax error on line 4 (an unclosed flow sequence)
    "broken": "# @package _global_\nworld:\n  horizon: [2040\n  start_year: 2021\n",
    # valid YAML with a misspelt key
    "unknown_key": "# @package _global_\nworld:\n  horizn: 2040\n",
    # issue 14.1: a callback that writes a file anywhere, one that loads a pickle
    "callback": ("# @package _global_\nhydra:\n  callbacks:\n    w:\n"
                 "      _target_: sim.io.atomic_write_text\n      path: /tmp/spacerace-pwned-{tag}\n"
                 "      text: hi\n"),
    "pickle": ("# @package _global_\nhydra:\n  callbacks:\n    r:\n"
               "      _target_: sim.io.pd.read_pickle\n"
               "      filepath_or_buffer: /tmp/spacerace-pwned-{tag}\n"),
    "nested_target": ("# @package _global_\nhydra:\n  job:\n    env_set:\n"
                      "      _target_: sim.io.atomic_write_text\n"),
    "log_factory": ("# @package _global_\nhydra:\n  job_logging:\n    handlers:\n      x:\n"
                    "        (): os.system\n        command: touch /tmp/spacerace-pwned-{tag}\n"),
    # issue 14.3: a few hundred bytes that expand to 10^9 values
    "bomb": ("# @package _global_\nbomb:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
             + "".join(f"  {chr(98 + k)}: &{chr(98 + k)} [{', '.join(['*' + chr(97 + k)] * 10)}]\n"
                       for k in range(8))),
}


@dataclass
class Result:
    case: Case
    tmp: Path
    names: dict
    argv: list[str]
    returncode: int | None
    stdout: str
    stderr: str

    def fill(self, text: str) -> str:
        return _fill(text, self.tmp, self.names)


def _fill(text: str, tmp: Path, names: dict) -> str:
    """Replace the placeholders {tmp} and the temporary scenario names (other braces are
    kept)."""
    for key, value in {"tmp": str(tmp), **names}.items():
        text = text.replace("{" + key + "}", value)
    return text


def _args(case: Case, tmp: Path, names: dict) -> list[str]:
    """The command-line arguments of a case (after ``python -m <module>``)."""
    args = [_fill(a, tmp, names) for a in case.args]
    if case.id == "yaml_syntax_error_in_scenario":
        args.append(names["sp_broken"])
    if case.id == "unknown_key_in_scenario_file":
        args.append(names["sp_unknown_key"])
    if case.root and case.module == "sim":
        args.append(f"output.root={tmp / 'results'}")
    return args


def _run(case: Case, tmp: Path, names: dict) -> Result:
    """Run a case as ``python -m <module> ...`` in a subprocess, in its own folder."""
    argv = [sys.executable, "-m", case.module, *_args(case, tmp, names)]
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    try:
        p = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        return Result(case, tmp, names, argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Result(case, tmp, names, argv, None, out, err + f"\n[timed out after {TIMEOUT} s]")


def _start_forked(case: Case, tmp: Path, names: dict, out: Path) -> tuple[int, list[str]]:
    """Start a case in a forked copy of this process: the command's entry function
    (``sim.cli.command.main`` or ``sim.experiments.report.main``) called with its arguments, exactly as
    ``python -m <module>`` would after its imports. The child has its own folder, its own
    file descriptors 1 and 2 (files under ``out``) and its own global state (Hydra, logging,
    ``sys.argv``); its exit status is the command's. It costs no interpreter start and no
    imports (done once in the parent), so the cases run in a fraction of a subprocess's
    time. Return ``(pid, argv)``."""
    args = _args(case, tmp, names)
    argv = [sys.executable, "-m", case.module, *args]
    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # fork with helper threads
        pid = os.fork()
    if pid:
        return pid, argv
    code = 1
    try:                                                     # the child: never returns
        signal.alarm(TIMEOUT)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            f = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        os.environ.pop("HYDRA_FULL_ERROR", None)
        os.chdir(tmp)
        sys.argv = [case.module, *args]
        import sim.cli.command
        import sim.experiments.report
        entry = {"sim": sim.cli.command.main, "sim.experiments.report": sim.experiments.report.main}[case.module]
        try:
            entry(args)
            code = 0
        except SystemExit as e:                              # as the interpreter does
            if e.code is None or isinstance(e.code, int):
                code = e.code or 0
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:                                # noqa: BLE001 - likewise
            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


@pytest.fixture(scope="module")
def forked(setup, tmp_path_factory) -> dict[str, Result]:
    """Run every case in forked copies of this process, a few at a time, and return the
    results by case id."""
    import hydra  # noqa: F401 - imported once here, not in every child
    import omegaconf  # noqa: F401
    import tqdm  # noqa: F401

    import sim.cli.command
    import sim.mesa.model  # noqa: F401
    import sim.experiments.report  # noqa: F401
    import sim.config.validation
    from sim.config.plain import to_plain
    from sim.config.schema import compose

    # one valid composition here, not a first one in every child: the schema is stored and
    # Hydra's, YAML's and the validation's first-use work is done (~0.2 s a child)
    sim.config.validation.validate(to_plain(compose([])))

    names, folders = setup
    outs = tmp_path_factory.mktemp("bad_input_out")
    pending = sorted(CASES, key=lambda c: c.bug is None)
    running, results = {}, {}
    while pending or running:
        while pending and len(running) < WORKERS:
            case = pending.pop(0)
            out = outs / case.id
            out.mkdir()
            pid, argv = _start_forked(case, folders["inproc", case.id], names, out)
            running[pid] = (case, out, argv)
        pid, status = os.wait()
        case, out, argv = running.pop(pid)
        results[case.id] = _finish(case, folders["inproc", case.id], names, out, status, argv)
    return results


def _finish(case, tmp, names, out, status, argv) -> Result:
    code = os.waitstatus_to_exitcode(status)
    err = (out / "stderr").read_text(errors="replace")
    if code == -signal.SIGALRM:
        code, err = None, err + f"\n[timed out after {TIMEOUT} s]"
    return Result(case, tmp, names, argv, code, (out / "stdout").read_text(errors="replace"),
                  err)


#: Cases that also run as real ``python -m`` subprocesses in the default set (one per kind
#: of failure path: a scenario file, a key, a multirun, the option parser, the report, a
#: callback); the slow set runs every case as a subprocess.
SUBPROCESS_DEFAULT = frozenset({"yaml_syntax_error_in_scenario", "misspelt_nested_key",
                                "multirun_one_bad_combination", "unknown_flag",
                                "report_missing_folder", "callback_in_a_scenario_file"})


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[dict, dict]:
    """The temporary scenario files (each on its own search path, never the repository's
    scenarios/) and one folder per case and way of running it: ``(names, folders)``."""
    base = tmp_path_factory.mktemp("bad_input")
    search = tmp_path_factory.mktemp("searchpath")
    names = {key: f"_tmp_broken_{TAG}_{key}" for key in TEMP_SCENARIOS}
    for key, text in TEMP_SCENARIOS.items():         # one search path each
        (search / key / "scenario").mkdir(parents=True)
        (search / key / "scenario" / f"{names[key]}.yaml").write_text(text.replace("{tag}", TAG))
        names.update({f"sp_{key}": f"hydra.searchpath=[file://{search / key}]",
                      f"sp_dir_{key}": str(search / key)})
    folders = {}
    for how in ("inproc", "subproc"):
        for case in CASES:
            tmp = base / how / case.id
            tmp.mkdir(parents=True)
            if case.prep == "afile":
                (tmp / "afile").write_text("a regular file, not a folder\n")
            elif case.prep == "empty":
                (tmp / "empty").mkdir()
            folders[how, case.id] = tmp
    return names, folders


@pytest.fixture(scope="module")
def runs(request, setup) -> dict[str, Result]:
    """Run the subprocess cases this session selected (in parallel, ~2 s each, mostly
    importing mesa) and return the results by case id."""
    names, folders = setup
    selected = {item.callspec.params["case"].id for item in request.session.items
                if getattr(item, "originalname", "") == "test_bad_input_subprocess"}
    # the cases that reveal bugs may run the whole model (~5 s): start them early
    cases = sorted((c for c in CASES if c.id in selected), key=lambda c: c.bug is None)
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {c.id: pool.submit(_run, c, folders["subproc", c.id], names) for c in cases}
        wait(futures.values())
    return {cid: f.result() for cid, f in futures.items()}


def _params(subprocess: bool = False):
    out = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        if subprocess and case.id not in SUBPROCESS_DEFAULT:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def _describe(r: Result) -> str:
    return (f"\ncommand: {' '.join(r.argv[1:])}\nexit status: {r.returncode}\n"
            f"--- stdout ---\n{r.stdout[-2000:]}\n--- stderr ---\n{r.stderr[-4000:]}")


def test_cases_are_unique_and_enough():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 60
    assert SUBPROCESS_DEFAULT <= set(ids)


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, forked: dict[str, Result]):
    """Each case in a forked copy of the test process (the entry function with its argv),
    checked as strictly as a subprocess."""
    _check(case, forked[case.id])


@pytest.mark.parametrize("case", _params(subprocess=True))
def test_bad_input_subprocess(case: Case, runs: dict[str, Result]):
    """Each case as a real ``python -m ...`` subprocess (a few in the default set, all
    with the slow set)."""
    _check(case, runs[case.id])


def _check(case: Case, r: Result) -> None:
    info = _describe(r)

    # (4) no traceback anywhere
    assert "Traceback" not in r.stdout + r.stderr, "a traceback was printed" + info
    # (1) exit status
    assert r.returncode is not None, "the command did not finish" + info
    if case.code is None:
        assert r.returncode != 0, "exit status 0 on bad input" + info
    else:
        assert r.returncode == case.code, f"exit status is not {case.code}" + info
    # (2) exactly one non-empty line on stderr, starting with "error:"; nothing on stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), "stderr is not exactly one line" + info
    line = lines[0]
    assert line.startswith("error: "), "the line does not start with 'error:'" + info
    assert r.stdout == "", "something was printed on stdout" + info
    # (3) names the key (and value) and says what is allowed
    heads = case.head if isinstance(case.head, tuple) else (case.head,)
    message = line[len("error: "):]
    assert message.startswith(tuple(r.fill(h) for h in heads)), \
        f"the line does not start with the key/value {heads}" + info
    for text in case.allowed:
        assert r.fill(text) in message, f"the line does not say {r.fill(text)!r}" + info
    # (5) nothing written: no file under output.root, nothing else in the case folder
    results = r.tmp / "results"
    written = sorted(str(p.relative_to(r.tmp)) for p in results.rglob("*")
                     if p.is_file() or p.name in RESULT_MARKERS) if results.exists() else []
    assert not written, f"files were written under output.root: {written[:10]}" + info
    stray = sorted(p.name for p in r.tmp.iterdir() if p.name not in ("results", *case.files))
    assert not stray, f"the command wrote into its working folder: {stray}" + info
    if case.prep == "empty":
        assert not any((r.tmp / "empty").iterdir()), "sim.experiments.report wrote into the empty folder"
    if case.id == "report_missing_folder":
        assert not (r.tmp / "missing").exists(), "sim.experiments.report created the missing folder"
    assert not (r.tmp / "X").exists() and not (r.tmp / "outside").exists()
    assert not (r.tmp / "escaped").exists() and not (r.tmp / "h.log").exists()


def test_no_file_written_into_the_repository_or_by_a_callback(setup):
    """After the cases of this module (tests run in file order): no temporary scenario left
    in the repository, no file written by a callback from a config file."""
    leftovers = sorted(p.name for p in SCENARIO_DIR.glob(f"_tmp_broken_{TAG}_*.yaml"))
    assert not leftovers, f"temporary scenario files in scenarios/: {leftovers}"
    assert not Path(f"/tmp/spacerace-pwned-{TAG}").exists(), "a config file ran code"
