"""Per-process state of a Spark Python worker (imported normally, so it lives as long as the worker process
does, even when `worker.py`'s functions arrive pickled by value and get fresh globals with every task)."""

STATE: dict = {}
