"""Benchmarks: stattools against the peer a user would pick instead, in one run.

Run ``python -m benchmarks NAME`` (``NAME`` = a ``bench_NAME.py`` module here, or ``all``).
Results are printed and written to ``benchmarks/RESULTS.md``. Benchmarks are not tests.
"""
