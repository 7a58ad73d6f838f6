"""Where the project's folders are (the checkout's root, configs/, scenarios/, data/)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "configs"
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
DATA_DIR = PROJECT_ROOT / "data"
