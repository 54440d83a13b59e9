"""Shared helpers for the benchmark scripts: timing, the sample table, reporting, profiling.

Times are medians over repeated runs of ``time.perf_counter`` (``time.process_time`` with
``--cpu-time``); each run times a loop of many calls and divides, so timer resolution does not
matter.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import time
import warnings
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import mongodbapi  # noqa: E402

warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng.*")

CATEGORIES = ["books", "games", "music", "tools", "toys"]
CLOCK, CLOCK_NAME = time.perf_counter, "time.perf_counter"  # arguments() switches to process_time on --cpu-time


def arguments(description: str, rows: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run; noisier numbers)")
    if rows:
        parser.add_argument("--rows", type=int, default=0, help="rows to fetch (default 100,000; 10,000 with --quick)")
    parser.add_argument("--profile", action="store_true", help="also print the top cProfile entries of the driver")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with time.process_time (this process's CPU time) instead of time.perf_counter "
                             "(wall clock): steadier on a machine that other work keeps busy")
    args = parser.parse_args()
    global CLOCK, CLOCK_NAME
    if args.cpu_time:
        CLOCK, CLOCK_NAME = time.process_time, "time.process_time"
    return args


def measure(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls (after a warm-up run)."""
    return compare({"fn": fn}, number, repeat)["fn"]


def compare(fns: dict[str, Callable[[], Any]], number: int, repeat: int, warmup: bool = True) -> dict[str, float]:
    """Median seconds per call of each function, their runs interleaved (a, b, a, b, ...).

    Interleaving spreads any background load over all contestants alike, so ratios stay fair
    on a busy machine even when absolute times wobble. ``warmup``: first call each function
    ``number // 10`` times (at least once) untimed.
    """
    for fn in fns.values() if warmup else ():  # caches, lazily built parsers, the engine's first-call costs
        for _ in range(max(1, number // 10)):
            fn()
    results: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            start = CLOCK()
            for _ in range(number):
                fn()
            results[name].append((CLOCK() - start) / number)
    return {name: statistics.median(times) for name, times in results.items()}


def load() -> str:
    try:
        return "load average %.2f" % os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on every platform
        return "load average unknown"


def connect(name: str) -> Any:
    """A fresh database on the in-process engine, autocommit on (no transaction around reads)."""
    connection = mongodbapi.connect(f"mongomock://{name}")
    connection.autocommit = True
    connection.database.client.drop_database(name)
    connection.catalog.invalidate()
    return connection


def create_products(connection: Any, rows: int, table: str = "products") -> Any:
    """``table`` with 5 columns and ``rows`` rows, inserted through the driver in one executemany."""
    cursor = connection.cursor()
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT, "
                   "price REAL, qty INTEGER)")
    cursor.executemany(f"INSERT INTO {table} (id, name, category, price, qty) VALUES (%s, %s, %s, %s, %s)",
                       [(i, f"product {i}", CATEGORIES[i % 5], round(1.5 * (i % 97), 2), i % 13)
                        for i in range(1, rows + 1)])
    return connection.database[table]


def machine() -> str:
    return (f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, {load()}, "
            f"mongodbapi {mongodbapi.__version__}, {time.strftime('%Y-%m-%d')}, {CLOCK_NAME}")


def micros(seconds: float) -> str:
    return f"{seconds * 1e6:10.1f} µs"


def report(label: str, seconds: float) -> None:
    print(f"  {label:<44} {micros(seconds)}")


def verdict(label: str, ratio: float, target: float, unit: str = "x") -> bool:
    ok = ratio <= target
    print(f"  {label:<44} {ratio:8.2f}{unit}   target <= {target:g}{unit}   {'OK' if ok else 'MISSED'}")
    return ok


def profile(fn: Callable[[], Any], calls: int, top: int = 15) -> None:
    """Print the ``top`` functions by own time over ``calls`` calls of ``fn``."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(top)
    text = stream.getvalue()
    print(text[text.find("   ncalls"):].rstrip())
