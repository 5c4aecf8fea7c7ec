"""Benchmarks: ``python -m bench`` runs them all, ``python -m bench.<name>`` one of them.

Each module exposes ``main()``; each creates its own throw-away databases so a
run never touches development or test data.
"""
