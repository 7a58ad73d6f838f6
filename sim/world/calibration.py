"""The fitted values (the read side of :mod:`sim.world.calibrate`): ``data/calibration.json``
and the config's ``${calibrated:name}`` resolver. A leaf: the config composes without
importing the fit (pyabc, the model)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.paths import DATA_DIR

CALIBRATION_FILE = DATA_DIR / "calibration.json"


class CalibrationError(ValueError):
    """A bad calibration input (one line)."""


def load_calibration(path: Path = CALIBRATION_FILE) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def calibrated(name: str, stat: str = "mean", path: Path | None = None) -> float:
    """A fitted value from ``data/calibration.json`` (the config's ``${calibrated:name}``)."""
    data = load_calibration(path or CALIBRATION_FILE)
    if data is None or name not in data.get("parameters", {}):
        raise CalibrationError(f"{path or CALIBRATION_FILE}: no fitted {name!r}; run python -m sim.world.calibrate")
    return float(data["parameters"][name][stat])
