"""Shared fixtures: a fresh in-process database per test.

``conn`` is a PEP 249 connection to ``mongomock://<unique name>`` with the driver's defaults
(autocommit off); the database is dropped when the test ends, so tests never see each other's
tables. ``cur`` is a cursor on it.
"""

from __future__ import annotations

import uuid

import pytest

import mongodbapi


def pytest_configure(config):
    # The driver passes batch sizes for real servers; the engine warns that they are no-ops. The
    # driver installs this filter itself when it creates the engine's client, but pytest resets
    # warning filters around each test.
    config.addinivalue_line("filterwarnings", "ignore:.*no-op in mongomock-ng:UserWarning")


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def dbname() -> str:
    return unique_name()


@pytest.fixture
def conn(dbname: str):
    connection = mongodbapi.connect(f"mongomock://{dbname}")
    client = connection.client
    yield connection
    if not connection.closed:
        try:
            connection.rollback()
        except mongodbapi.Error:
            pass
        connection.close()
    client.drop_database(dbname)


@pytest.fixture
def cur(conn):
    cursor = conn.cursor()
    yield cursor
    cursor.close()
