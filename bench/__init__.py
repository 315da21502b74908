"""Benchmarks: ``python -m bench NAME [--quick]``. Each compares against a baseline run in the
same process, so the ratios hold on a noisy machine."""
