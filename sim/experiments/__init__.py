"""Experiments: one run, the sweep plan and executors, designs, analysis, report, plots."""
