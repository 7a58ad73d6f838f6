"""The engine: the model's year as named stages (year.py), its documented start (start.py), its
compiled kernels (realised moves, growth, the year's metrics), per-world draws and what the
outcome rule measures (measures.py)."""
