"""SQLite's sqllogictest records run through mongodbapi on the in-process engine.

The samples inside the repository run in full; where the corpus is present beside the
repository (``../shared/sqllogictest``, as in CI), a seeded sample of every file runs too.
The full files are run by ``python -m tests.sqllogictest.slt --driver mongodbapi FILE...``.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import mongodbapi

from . import slt
from .test_sqlite_oracle import SHARED_DIR, needs_shared

SAMPLES = sorted((Path(__file__).parent / "samples").glob("*.test"))


def connect() -> mongodbapi.Connection:
    return mongodbapi.connect(f"mongomock://slt_{uuid.uuid4().hex}")


def _report(result: slt.FileResult) -> str:
    return slt.failure_report([result], 10)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_passes_completely(path: Path) -> None:
    result = slt.run_file(path, connect)
    assert result.statements_failed == 0, _report(result)
    assert result.queries_run > 0
    assert result.queries_passed == result.queries_run, _report(result)


@needs_shared
@pytest.mark.parametrize("name", [f"select{i}.test" for i in range(1, 6)])
def test_corpus_sample_meets_target(name: str) -> None:
    result = slt.run_file(SHARED_DIR / name, connect, sample=40, seed=7)
    assert result.statements_failed == 0, _report(result)
    assert result.queries_passed >= 0.98 * result.queries_run, _report(result)
