"""Benchmarks of what the connector is judged on: hand-off latency, exactly-once, throttling, stock pushes.

Run with `make bench` (`python -m bench.run`); see bench/README.md.
"""
