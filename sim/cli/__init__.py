"""The command line: `python -m sim` (Hydra) and its checks."""
