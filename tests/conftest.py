import sys
from pathlib import Path

# let tests import helpers that live beside them (make_regression.py)
sys.path.insert(0, str(Path(__file__).parent))
