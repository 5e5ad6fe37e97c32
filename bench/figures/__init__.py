"""One module per figure of bench/RESULTS.md, and the backfills they measure.

Each figure is a function of typed inputs (the backfill results it reads) that returns its
rows; bench/run_benchmarks.py resolves which backfills a figure needs and runs each once.
"""
