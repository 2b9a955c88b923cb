"""Benchmarks: Safeloop's engine against raw SpiffWorkflow, inbox queries, flatness, timers, size.

`python -m bench` (what `make bench` runs) prints one table; `--quick` is a one-minute version.
Ratios are measured side by side in the same run; every figure is a median over repeats.
"""
