"""Benchmarks: `make bench` runs every script in this folder."""
