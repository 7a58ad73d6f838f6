"""``python -m sim``: Hydra's command line, with every config checked before anything runs.

Before Hydra starts, the command's overrides are parsed, each combination of a
multirun is composed and validated (types by the structured schema, ranges and
references by :mod:`sim.config.validation`), and the output folder is checked for writing.
The first problem is printed as one line — the key, the bad value, what is allowed —
and the command exits with status 2, having written nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.errors import EXIT_INTERRUPTED, UserError, fail
from sim.paths import CONFIG_DIR, PROJECT_ROOT
from sim.cli.checks import check
from sim.cli.task import task
from sim.cli.help import help_text

PASSTHROUGH = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
               "--resolve", "--shell-completion", "-sc", "--package", "-p"}


# --- the first compile ------------------------------------------------------------------

def note_first_compile() -> None:
    """One line on stderr when numba has no cached kernels yet (the first run compiles
    them, which takes about a minute and otherwise looks like a hang)."""
    cache = os.environ.get("NUMBA_CACHE_DIR")
    where = Path(cache) if cache else PROJECT_ROOT / "sim"
    if not any(where.rglob("*.nbi")):
        print("compiling the model's kernels (first run only, ~1 min) ...", file=sys.stderr,
              flush=True)


# --- the command --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    import hydra

    from sim.config.schema import register

    argv = list(sys.argv[1:] if argv is None else argv)
    register()
    flags = [a for a in argv if a.startswith("-")]
    multirun = "-m" in flags or "--multirun" in flags
    if any(f in ("--help", "-h") for f in flags):
        print(help_text())
        return
    lock = None
    if not any(f.split("=")[0] in PASSTHROUGH for f in flags):
        unknown = [f for f in flags if f not in ("-m", "--multirun")]
        if unknown:
            fail(f"unknown option {unknown[0]!r}; allowed: -m/--multirun, --help, --cfg, --info")
        try:
            jobs = check([a for a in argv if not a.startswith("-")], multirun)
        except UserError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted while checking the configuration, before anything ran; "
                 "run the same command again to resume", EXIT_INTERRUPTED)
        lock = lock_sweeps(jobs)
        note_first_compile()
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    sys.argv = [sys.argv[0] if sys.argv else "sim", *argv]
    entry = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(task)
    try:
        entry()
    except KeyboardInterrupt:
        fail("interrupted; finished work is saved — run the same command again to resume",
             EXIT_INTERRUPTED)
    finally:
        for held in lock or []:
            held.release()


def lock_sweeps(jobs: list[dict]) -> list:
    """Hold each sweep folder's lock for the whole command (all its jobs, whatever the
    launcher), so a second sweep on the same folder stops before Hydra writes anything,
    saying who holds it."""
    from sim.io import FolderLock, Locked
    from sim.experiments.sweep import in_use

    held = []
    for folder in sorted({j["sweep"] for j in jobs if j["batched"]}):
        try:
            held.append(FolderLock(folder / ".lock").__enter__())
        except Locked as e:
            for lk in held:
                lk.release()
            fail(in_use(folder.name, folder, e.holder))
        except OSError as e:
            fail(f"output.root: cannot lock {folder} ({e.strerror})")
    return held
