"""Benchmarks and the torture suite (not collected by pytest): `python -m tests.benchmarks`."""
