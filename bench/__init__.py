"""Benchmarks: run each with `python bench/<name>.py` (not part of the test suite)."""
