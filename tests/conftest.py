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
