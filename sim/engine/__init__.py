"""The engine: the compiled kernels of the model's year (realised moves, growth, the year's metrics) and the per-world random draws."""
