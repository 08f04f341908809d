"""Benchmarks that measure the library on generated data (run them as modules).

`dedup`: speed, memory and quality of near-duplicate detection on a seeded
synthetic corpus (`python -m cleaner.benchmarks.dedup`, or `make bench-dedup`).
"""
