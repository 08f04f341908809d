"""`cleaner eval`: the benchmark sets, the metric, the run and its table."""
