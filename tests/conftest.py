import sys
from pathlib import Path

import pytest

# let tests import helpers that live beside them (make_regression.py)
sys.path.insert(0, str(Path(__file__).parent))

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Folders of the source tree that no test may write into (tests write under tmp_path).
WATCHED = ("scenarios", "configs", "data", "results")
#: Top-level entries tools may add while tests run (caches), not results of the tests.
CACHES = {".pytest_cache", ".hypothesis", ".benchmarks", "__pycache__"}
#: The default set's slowest files, slowest first (~27 to ~8 s each in one process,
#: measured 2026-12-01). scripts/test runs one file per core (``--dist loadfile``) and,
#: with ``--no-loadscope-reorder`` (scripts/test), hands files out in collection order:
#: the longest start first and the many short files fill in at the end. xdist's own order
#: (most tests first) left the subprocess files, which have few tests, for last, and one
#: core ran them while the other sat idle.
SLOWEST_FIRST = ("test_bad_input.py", "test_crash.py", "test_sweep.py", "test_sweep_report.py",
                 "test_properties.py", "test_design_sweep.py", "test_sweep_cli.py",
                 "test_report_tamper.py", "test_report.py", "test_mechanisms.py")


def pytest_collection_modifyitems(items):
    """Run the files of SLOWEST_FIRST first, in that order; every other file after them
    in its usual place, and the tests of a file in their usual order (the sort is stable)."""
    rank = {name: k for k, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def source_tree_state(root: Path = PROJECT_ROOT) -> dict[str, tuple[int, int] | None]:
    """Every file and folder under the watched folders with (mtime_ns, size), and the
    names at the top of the repository (a test that writes Hydra's outputs/ or multirun/
    into the working folder shows up there)."""
    state: dict[str, tuple[int, int] | None] = {}
    for name in WATCHED:
        for p in sorted((root / name).rglob("*")):
            st = p.lstat()
            state[str(p.relative_to(root))] = (st.st_mtime_ns, st.st_size if p.is_file() else 0)
    for p in root.iterdir():
        if p.name not in CACHES and p.name not in state:
            state.setdefault(p.name, None)
    return state


def changes(before: dict, after: dict) -> list[str]:
    out = [f"new: {k}" for k in sorted(after.keys() - before.keys())]
    out += [f"removed: {k}" for k in sorted(before.keys() - after.keys())]
    out += [f"changed: {k}" for k in sorted(before.keys() & after.keys()) if before[k] != after[k]]
    return out


@pytest.fixture(scope="session", autouse=True)
def source_tree_untouched():
    """Tests never write into the source tree: snapshot scenarios/, configs/, data/ and
    results/ (and the repository's top-level names) when the session starts and fail at
    its end, naming every file a test added, changed or removed."""
    before = source_tree_state()
    yield
    found = changes(before, source_tree_state())
    assert not found, ("tests wrote into the source tree (write under tmp_path instead): "
                       + "; ".join(found[:20]))
