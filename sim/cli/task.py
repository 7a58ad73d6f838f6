"""The Hydra task: one job, a single run or a batched sweep, written to its output folder."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli.safety import inside
from sim.errors import fail
from sim.experiments.plan import batched


def task(cfg) -> None:
    """Run the job Hydra composed: one run, or a batched sweep of seeds and grid points."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.config.validation import validate
    from sim.experiments import manifest
    from sim.experiments.plan import record_in_index
    from sim.config.plain import to_plain

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    plain = to_plain(cfg)
    validate(plain)
    if not inside(out, Path(plain["output"]["root"])):
        fail(f"output folder {str(out)!r} is outside output.root={plain['output']['root']!r}; "
             "names may not contain path separators or '..'")
    overrides = list(hc.overrides.task)
    is_batched = batched(plain, hc.mode == RunMode.MULTIRUN)
    try:
        record_in_index(out, overrides, plain["scenario_name"], manifest.now())
        if is_batched:
            record_in_index(out.parent, overrides if hc.mode != RunMode.MULTIRUN else
                            [a for a in sys.argv[1:] if not a.startswith("-")],
                            plain["scenario_name"], manifest.now())
    except OSError as e:
        _os_error(e, plain, out)
    if is_batched:
        from sim.experiments.sweep import run_job
        run_job(plain, out, overrides)
    else:
        run_single(plain, out)


def _os_error(e: OSError, plain: dict, out: Path):
    """A full disk (or another OS error while writing) as one line with what to do."""
    from sim.errors import EXIT_FAILED
    from sim.io import is_disk_full

    if is_disk_full(e):
        fail(f"output.root={plain['output']['root']!r}: the disk is full ({e.strerror}) while "
             f"writing {out}; free some space, then run the same command again", EXIT_FAILED)
    fail(f"output.root={plain['output']['root']!r}: cannot write {e.filename or out} "
         f"({e.strerror})", EXIT_FAILED)


def run_single(plain: dict, out: Path) -> dict:
    import numpy as np
    from omegaconf import OmegaConf

    from sim.errors import EXIT_FAILED
    from sim.experiments import manifest
    from sim.experiments.run import simulate, summary, write_run
    from sim.io import NonFiniteError, first_non_finite

    started = manifest.now()
    np.seterr(all="ignore")                     # an overflow is caught below, by name
    model = simulate(plain, plain["seed"], record_actors=True)
    bad = first_non_finite(summary(model)) or first_non_finite(model.model_rows, "yearly table")
    if bad:
        fail(f"seed={plain['seed']}: the run gave a non-finite {bad}: the config's numbers are "
             "too large for the model (an overflow); nothing was saved. Lower them "
             "(`python -m sim --help` lists the ranges)", EXIT_FAILED)
    resolved = OmegaConf.to_yaml(OmegaConf.create(plain))
    info = manifest.build(scenario=plain["scenario_name"], seed=plain["seed"],
                          started=started, finished=manifest.now())
    try:
        result = write_run(model, out, resolved, info,
                           actor_tables=plain["output"]["actor_table"], plot=plain["output"]["plot"])
    except NonFiniteError as e:
        fail(f"seed={plain['seed']}: {e}: not written (results are finite numbers only)",
             EXIT_FAILED)
    except OSError as e:
        _os_error(e, plain, out)
    print(f"spacerace · scenario {plain['scenario_name']} · seed {plain['seed']} · "
          f"{model.actors.n} actors · {model.start_year}–{model.horizon}")
    print(f"outcome: {result['outcome']}  (bloc {result['bloc']:.2f}, race {result['race']:.2f}, "
          f"collaboration {result['collaboration']:.2f}; "
          f"final {plain['outcome']['window']} years)")
    print(f"roles: US-led {result['role_us_led']} · China-led {result['role_china_led']} · "
          f"bridges {result['role_bridge']} · hedgers {result['role_hedger']} · "
          f"non-aligned {result['role_non_aligned']}")
    f = {k: int(v) for k, v in result.items() if k.startswith("final_")}
    print(f"programmes {model.horizon}: Artemis {f['final_members_artemis']} · ILRS "
          f"{f['final_members_ilrs']} · ISS {f['final_members_iss']} · Tiangong "
          f"{f['final_members_tiangong']} · in both Artemis and ILRS "
          f"{f['final_programme_hedgers']}")
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.endswith(".log"))
    print(f"files: {out}/ ({', '.join(files)})")
    return result
