"""Django's own test suite on this backend: tests skipped or expected to fail, with the reason.

Kept as data and read by ``DatabaseFeatures.django_test_skips`` /
``django_test_expected_failures``. A test belongs here only when MongoDB itself or a documented
design decision of the driver makes it fail; failures caused by gaps the driver will close
are listed in tests/django/DRIVER_GAPS.md instead, and are left failing so that the numbers
stay honest. An expected failure that starts passing shows up as an "unexpected success".
"""

from __future__ import annotations

_DT = "db_functions.datetime.test_extract_trunc.DateFunction{}Tests.test_{}"
_DT_METHODS = [
    "extract_day_func", "extract_func", "extract_hour_func", "extract_minute_func", "extract_month_func",
    "extract_quarter_func", "extract_second_func", "extract_weekday_func", "extract_year_func", "trunc_date_func",
    "trunc_day_func", "trunc_func", "trunc_hour_func", "trunc_minute_func", "trunc_month_func",
    "trunc_quarter_func", "trunc_second_func", "trunc_time_func", "trunc_week", "trunc_week_before_1000",
    "trunc_week_func", "trunc_year_func", "extract_iso_weekday_func", "extract_iso_year_func",
    "extract_week_func", "trunc_time_comparison",
]

# reason -> tests expected to fail
EXPECTED_FAILURES_BY_REASON: dict[str, set[str]] = {
    # BSON dates hold milliseconds (MongoDB's date type); the driver truncates microseconds on
    # write, as documented. These tests store datetimes with sub-millisecond parts and compare
    # them exactly.
    "BSON dates have millisecond precision": {
        "basic.tests.ModelRefreshTests.test_refresh_unsaved",
        "basic.tests.ModelRefreshTests.test_refresh_with_related",
        "basic.tests.ModelTest.test_microsecond_precision",
        # a timestamp computed from one with microseconds, or their difference, is truncated the same way
        "expressions.tests.FTimeDeltaTests.test_datetime_subtraction_microseconds",
        "expressions.tests.FTimeDeltaTests.test_duration_with_datetime_microseconds",
        "expressions.tests.FTimeDeltaTests.test_negative_timedelta_update",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_db_datetime_to_time",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_python_to_datetime",
        "queries.tests.Queries4Tests.test_filter_reverse_non_integer_pk",
        "timezones.tests.LegacyDatabaseTests.test_naive_datetime_with_microsecond",
        "timezones.tests.NewDatabaseTests.test_aware_datetime_in_local_timezone_with_microsecond",
        "timezones.tests.NewDatabaseTests.test_naive_datetime_with_microsecond",
        *(_DT.format(kind, method) for kind in ("", "WithTimeZone") for method in _DT_METHODS),
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_func_with_timezone",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests."
        "test_trunc_timezone_applied_before_truncation",
        # timezone.now() has microseconds; the value read back has milliseconds
        *(f"db_functions.comparison.test_{name}.{name.title()}Tests.test_{method}"
          for name in ("greatest", "least") for method in ("basic", "coalesce_workaround", "ignores_null")),
    },
    # MongoDB has no foreign keys: the catalog keeps no REFERENCES, so inspectdb cannot find
    # relations (features.can_introspect_foreign_keys is False, but these tests do not check it).
    # The driver refuses CHECK constraints rather than ignore them (MongoDB's $jsonSchema
    # validators are not mapped), so nothing stops a negative PositiveIntegerField.
    "no CHECK constraints": {
        "model_fields.test_integerfield.PositiveIntegerFieldTests.test_negative_values",
    },
    # JSON values are stored as natural documents, and SQL NULL is stored as no value: a JSON
    # null at the top level cannot be told from SQL NULL.
    "JSON null and SQL NULL are stored alike": {
        "model_fields.test_jsonfield.TestSaveLoad.test_json_null_different_from_sql_null",
    },
    "MongoDB has no foreign keys to introspect": {
        "inspectdb.tests.InspectDBTestCase.test_same_relations",
    },
    # MongoDB has no hash operator and (before 8.0) none between characters and code points: the
    # driver computes MD5/SHA*/CHR/ASCII of constants, of parameters and of select-list items, but
    # these tests filter on the function of a column (WHERE MD5(alias) = ...), which only the server
    # could compute. The driver refuses them with NotSupportedError rather than filter wrongly.
    "filters on a hash or code point of a column": {
        *(f"db_functions.text.test_{name}.{name.upper()}Tests.test_transform"
          for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")),
        "db_functions.text.test_chr.ChrTests.test_transform",
        "db_functions.text.test_ord.OrdTests.test_transform",
        "db_functions.text.test_ord.OrdTests.test_basic",
    },
    # The test looks for the escaping of backends that spell JSON keys inside a JSON-path string
    # ('$."key"'); this backend sends each key as its own SQL string literal subscript
    # ("t"."value"['key'], quotes doubled), a bound value the driver never splices into a query.
    "JSON keys are string subscripts, not JSON-path text": {
        "model_fields.test_jsonfield.TestQuerying.test_key_sql_injection_escape",
    },
}

EXPECTED_FAILURES: set[str] = set().union(*EXPECTED_FAILURES_BY_REASON.values())

# Only before MongoDB 8.0, whose $convert turns a UUID (binary subtype 4) into its text form; the
# text lookups on UUIDField (uuid__contains="8400e29b") need that text.
EXPECTED_FAILURES_BEFORE_MONGODB_8 = {
    f"model_fields.test_uuid.TestQuerying.test_{name}"
    for name in ("iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
                 "filter_with_expr")
}

# reason -> tests (module, class or method) to skip
SKIPS: dict[str, set[str]] = {}
