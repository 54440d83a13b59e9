"""Backend pieces that need no database: settings -> connection parameters, dbshell, SQL snippets."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

pytest.importorskip("django")

from django.db import DataError, connection  # noqa: E402

from django_backend.base import DatabaseWrapper  # noqa: E402
from django_backend.client import DatabaseClient  # noqa: E402
from django_backend.operations import sql_literal  # noqa: E402


def settings(**overrides):
    base = {"ENGINE": "django_backend", "NAME": "app", "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
            "OPTIONS": {}, "TEST": {}, "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None}
    base.update(overrides)
    return base


def params(**overrides):
    return DatabaseWrapper(settings(**overrides)).get_connection_params()


class TestConnectionParams:
    def test_uri_host(self):
        p = params(HOST="mongodb://db.example.net:27018/?replicaSet=rs0", USER="u", PASSWORD="p")
        assert p == {"dsn": "mongodb://db.example.net:27018/?replicaSet=rs0", "database": "app",
                     "enforce_schema": True, "username": "u", "password": "p"}

    def test_plain_host_and_port(self):
        assert params(HOST="db", PORT="27019")["dsn"] == "mongodb://db:27019"
        assert params()["dsn"] == "mongodb://localhost:27017"

    def test_in_process_engine(self):
        p = params(HOST="mongomock://", ENFORCE_SCHEMA=False)
        assert p == {"dsn": "mongomock://app", "database": "app", "enforce_schema": False}

    def test_in_process_engine_with_a_data_file(self):
        assert params(HOST="mongomock://?file=db.mongo")["dsn"] == "mongomock://app?file=db.mongo"

    def test_djongo_client_dict(self):
        p = params(CLIENT={"host": "mongodb://h:1", "username": "u", "password": "p", "authSource": "admin",
                           "authMechanism": "SCRAM-SHA-1"})
        assert p["dsn"] == "mongodb://h:1"
        assert p["authSource"] == "admin" and p["username"] == "u" and p["authMechanism"] == "SCRAM-SHA-1"

    def test_client_host_and_port(self):
        assert params(CLIENT={"host": "h", "port": 27020})["dsn"] == "mongodb://h:27020"

    def test_options_enforce_schema(self):
        assert params(HOST="mongomock://", OPTIONS={"enforce_schema": False})["enforce_schema"] is False


class TestDbshell:
    def args(self, **overrides):
        return DatabaseClient.settings_to_cmd_args_env(settings(**overrides), [])[0]

    def test_host_port_user(self):
        assert self.args(HOST="db", PORT=27018, USER="u", PASSWORD="p", CLIENT={"authSource": "admin"}) == [
            "mongosh", "--host", "db", "--port", "27018", "app", "--username", "u", "--password", "p",
            "--authenticationDatabase", "admin"]

    def test_uri(self):
        assert self.args(HOST="mongodb://db:27017/?tls=true") == [
            "mongosh", "mongodb://db:27017/?tls=true", "--eval", "db = db.getSiblingDB('app')", "--shell"]

    def test_in_process_engine_is_refused(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError):
            self.args(HOST="mongomock://")


class TestSql:
    def test_literals(self):
        assert sql_literal(None) == "NULL"
        assert sql_literal(True) == "TRUE"
        assert sql_literal(decimal.Decimal("1.50")) == "1.50"
        assert sql_literal("it's") == "'it''s'"
        assert sql_literal(datetime.date(2020, 1, 2)) == "DATE '2020-01-02'"
        assert sql_literal(datetime.datetime(2020, 1, 2, 3, 4, 5)) == "TIMESTAMP '2020-01-02 03:04:05'"
        assert sql_literal(uuid.UUID(int=1)) == "'00000000-0000-0000-0000-000000000001'"

    def test_date_sql(self):
        ops = connection.ops
        assert ops.date_extract_sql("week_day", '"t"."d"', ()) == ('(EXTRACT(DOW FROM "t"."d") + 1)', ())
        assert ops.datetime_trunc_sql("month", '"t"."d"', (), "UTC") == ("DATE_TRUNC('month', \"t\".\"d\")", ())
        with pytest.raises(DataError, match="invalid DATE_TRUNC unit"):  # what Django's injection test accepts
            ops.date_trunc_sql("month'); DROP", '"t"."d"', ())
        with pytest.raises(ValueError):
            ops.date_extract_sql("year'); DROP", '"t"."d"', ())

    def test_time_zone_conversion(self):
        from django.test.utils import override_settings

        ops = connection.ops
        with override_settings(USE_TZ=True):
            assert ops.datetime_extract_sql("hour", '"t"."d"', (), "UTC") == ('EXTRACT(HOUR FROM "t"."d")', ())
            assert ops.datetime_extract_sql("hour", '"t"."d"', (), "America/Chicago") == (
                'EXTRACT(HOUR FROM ("t"."d" AT TIME ZONE %s))', ("America/Chicago",))
            assert ops.datetime_cast_date_sql('"t"."d"', (), "UTC+05:00") == (
                'CAST(("t"."d" AT TIME ZONE %s) AS DATE)', ("+05:00",))
        with override_settings(USE_TZ=False):
            assert ops.datetime_extract_sql("hour", '"t"."d"', (), "America/Chicago") == (
                'EXTRACT(HOUR FROM "t"."d")', ())

    def test_quote_name(self):
        assert connection.ops.quote_name("a") == '"a"'
        assert connection.ops.quote_name('"a"') == '"a"'

    def test_last_executed_query(self):
        assert connection.ops.last_executed_query(None, 'SELECT %s, %s', ("x", 1)) == "SELECT 'x', 1"
