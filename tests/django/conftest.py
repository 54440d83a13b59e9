"""Django set-up shared by the tests in this directory: settings_basic on the in-process engine.

The test database is created once per session the way Django's test runner does it
(``setup_databases``: drop any old one, then ``migrate`` every app) and dropped at the end.
"""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings_basic")

try:
    import django
except ImportError:  # pragma: no cover - the django extra is not installed
    django = None
else:
    django.setup()

collect_ignore = ["run_django_suite.py", "driver_gaps.py"]


@pytest.fixture(scope="session", autouse=True)
def django_test_database():
    if django is None:
        pytest.skip("Django is not installed")
    from django.test.utils import (setup_databases, setup_test_environment, teardown_databases,
                                   teardown_test_environment)

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    yield
    teardown_databases(old_config, verbosity=0)
    teardown_test_environment()
