"""What it takes to rerun a result: command, package versions, git commit, times."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("spacerace", "mesa", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf",
            "matplotlib", "networkx", "ray")
from sim.paths import PROJECT_ROOT  # noqa: E402


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def git_commit() -> dict[str, str | bool | None]:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True,
                                  text=True, timeout=5, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def build(**extra) -> dict:
    """A manifest dict; callers add the resolved config and their own fields."""
    return {"command": " ".join(["python -m sim", *sys.argv[1:]]), "argv": sys.argv[1:],
            "cwd": str(Path.cwd()), "versions": versions(), "git": git_commit(),
            "platform": platform.platform(), **extra}
