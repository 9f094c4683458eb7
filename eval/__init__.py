"""Evaluation: gold sets, metrics, the runner, baselines and benchmarks."""
