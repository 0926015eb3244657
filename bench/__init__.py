"""Benchmarks: run with `make bench` (or `python -m bench.<name>`); they print ratios measured
side by side in one run, since these machines are shared and noisy."""
