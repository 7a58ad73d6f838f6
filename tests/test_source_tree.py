"""The guard in conftest.py (tests never write into the source tree) can fail."""

from conftest import changes, source_tree_state


def test_the_guard_sees_a_new_a_changed_and_a_removed_file(tmp_path):
    for name in ("scenarios", "configs", "data", "results"):
        (tmp_path / name).mkdir()
    (tmp_path / "configs" / "a.yaml").write_text("a: 1\n")
    (tmp_path / "data" / "b.csv").write_text("x\n1\n")
    before = source_tree_state(tmp_path)
    assert changes(before, source_tree_state(tmp_path)) == []
    (tmp_path / "scenarios" / "new.yaml").write_text("x: 1\n")
    (tmp_path / "configs" / "a.yaml").write_text("a: 22\n")
    (tmp_path / "data" / "b.csv").unlink()
    (tmp_path / "outputs").mkdir()
    found = changes(before, source_tree_state(tmp_path))
    assert "new: scenarios/new.yaml" in found and "new: outputs" in found
    assert "changed: configs/a.yaml" in found and "removed: data/b.csv" in found
