"""ENFORCE_SCHEMA: False: no migrations; tables are declared on first write, new fields added later."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("django")

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import datetime, django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django_backend", "NAME": "noschema", "HOST": "mongomock://",
                               "ENFORCE_SCHEMA": False}},
        INSTALLED_APPS=[], USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.AutoField")
    django.setup()
    from django.db import connection, models, transaction

    class Thing(models.Model):
        name = models.CharField(max_length=10, unique=True)
        when = models.DateField(null=True)
        class Meta:
            app_label = "noschema"
            db_table = "thing"

    a = Thing.objects.create(name="a", when=datetime.date(2020, 1, 2))
    b = Thing.objects.create(name="b")
    assert (a.pk, b.pk) == (1, 2), (a.pk, b.pk)
    assert Thing.objects.get(name="a").when == datetime.date(2020, 1, 2)
    with connection.cursor() as cursor:
        assert [c.name for c in connection.introspection.get_table_description(cursor, "thing")] == \\
            ["id", "name", "when"]

    # The model gains a field without a migration: it is added as a column on the next write.
    field = models.IntegerField(default=7)
    field.contribute_to_class(Thing, "rank")
    Thing.objects.create(name="c")
    assert sorted(Thing.objects.values_list("name", "rank")) == [("a", 7), ("b", 7), ("c", 7)], \\
        list(Thing.objects.values_list("name", "rank"))

    # Declaring is DDL, so it is refused inside a transaction rather than committing it.
    class Other(models.Model):
        class Meta:
            app_label = "noschema"
    try:
        with transaction.atomic():
            Other.objects.create()
    except Exception as exc:
        assert "ENFORCE_SCHEMA" in str(exc), exc
    else:
        raise AssertionError("expected an error")
    # A collection written by another client before the model existed is adopted on first write.
    connection.mongo_database["legacy"].insert_one({"name": "old"})
    class Legacy(models.Model):
        name = models.CharField(max_length=10)
        class Meta:
            app_label = "noschema"
            db_table = "legacy"
    new = Legacy.objects.create(name="new")
    assert sorted(Legacy.objects.values_list("name", flat=True)) == ["new", "old"], \
        list(Legacy.objects.values_list("name", flat=True))
    assert isinstance(new.pk, int)
    print("ok")
''')


def test_tables_declared_on_first_write():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0 and completed.stdout.strip().endswith("ok"), completed.stdout + completed.stderr
