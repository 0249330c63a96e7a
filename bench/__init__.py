"""Benchmarks (``make bench`` = ``python -m bench``): one module per stage, results in results/."""
