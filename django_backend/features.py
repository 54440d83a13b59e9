"""What MongoDB through the mongodbapi driver can do, flag by flag.

Every flag that differs from Django's default, or that is False, says why. What the driver is
specified to do (issues 2 and 3: SQL on one table, DDL, transactions, joins, subqueries, set
operations, CTEs, window functions) is True, and where it falls short the failing tests are left
failing and recorded in tests/django/DRIVER_GAPS.md, so that no skip hides a bug. Beyond that
spec, a flag is True once the driver has the feature (ON CONFLICT DO NOTHING, FILTER, JSON_OBJECT,
sequence restarts) and False, with the gap's id, until then. MongoDB's own limits (no foreign keys,
no deferred checks, millisecond dates) are False for good. Skips and expected failures of Django's
own test suite are data in test_expectations.py, each with its reason.
"""

from __future__ import annotations

from django.db import InterfaceError
from django.db.backends.base.features import BaseDatabaseFeatures
from django.utils.functional import cached_property

from .test_expectations import EXPECTED_FAILURES, EXPECTED_FAILURES_BEFORE_MONGODB_8, SKIPS


class DatabaseFeatures(BaseDatabaseFeatures):
    # $dateTrunc and $setWindowFields, which the driver emits, need MongoDB 5.0.
    minimum_database_version = (5, 0)

    # ---------------------------------------------------------------- grouping and subqueries
    # False: the driver groups by exactly the expressions listed; it does not infer functional
    # dependence on the primary key.
    allows_group_by_selected_pks = False
    # False: GROUP BY 1 would group by the constant 1 in the driver's grammar; Django repeats
    # the expression instead.
    allows_group_by_select_index = False
    supports_subqueries_in_group_by = True
    update_can_self_select = True
    delete_can_self_reference_subquery = True
    allow_sliced_subqueries_with_in = True
    ignores_unnecessary_order_by_in_subqueries = True

    # ---------------------------------------------------------------- keys and constraints
    # The driver's unique indexes are partial ({field: {$exists: true}}) and NULL is not stored,
    # so NULLs never collide, as in SQL.
    supports_nullable_unique_constraints = True
    supports_partially_nullable_unique_constraints = True
    # False: MongoDB unique indexes have no NULLS [NOT] DISTINCT option.
    supports_nulls_distinct_unique_constraints = False
    # False: MongoDB checks unique indexes at each write; there are no deferred checks.
    supports_deferrable_unique_constraints = False
    # False: MongoDB has no foreign keys; the driver parses REFERENCES but does not enforce them.
    supports_foreign_keys = False
    can_create_inline_fk = False
    can_introspect_foreign_keys = False
    # False: MongoDB has no deferred constraint checks (and no foreign keys to defer).
    can_defer_constraint_checks = False
    supports_forward_references = True
    # False: the driver refuses CHECK constraints rather than ignore them (MongoDB's $jsonSchema
    # validators are not mapped).
    supports_column_check_constraints = False
    supports_table_check_constraints = False
    can_introspect_check_constraints = False
    # False: MongoDB refuses a second index with the same key pattern under another name.
    allows_multiple_constraints_on_same_fields = False
    # True: like SQLite's rowid, the driver numbers an INTEGER PRIMARY KEY given no value.
    supports_unspecified_pk = True
    allows_auto_pk_0 = True
    related_fields_match_type = False

    # ---------------------------------------------------------------- inserts
    # RETURNING works for INSERT, single and multi-row.
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    has_bulk_insert = True
    supports_default_keyword_in_insert = True
    supports_default_keyword_in_bulk_insert = True
    supports_ignore_conflicts = True  # INSERT ... ON CONFLICT DO NOTHING
    # INSERT ... ON CONFLICT (unique fields) DO UPDATE SET f = EXCLUDED.f (the target is required).
    supports_update_conflicts = True
    supports_update_conflicts_with_target = True

    # ---------------------------------------------------------------- transactions
    @cached_property
    def uses_savepoints(self) -> bool:
        """True wherever the server has transactions: MongoDB has no savepoints, the driver emulates them.

        The driver keeps a redo log of the transaction's writes; ROLLBACK TO SAVEPOINT aborts the
        MongoDB transaction and replays the log up to the savepoint in a new one (mongodbapi's
        connection.py explains the limits). Django emits its base backend's SQL for them:
        SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT with the quoted savepoint id.
        """
        self.connection.ensure_connection()
        return bool(self.connection.connection.savepoints_supported)

    @cached_property
    def can_release_savepoints(self) -> bool:
        return self.uses_savepoints
    # False: MongoDB does not roll back collection and index changes, and the driver commits
    # the open transaction before DDL.
    can_rollback_ddl = False
    # False: MongoDB has no row locks; transactions detect write conflicts instead.
    has_select_for_update = False
    has_select_for_update_nowait = False
    has_select_for_update_skip_locked = False
    has_select_for_update_of = False
    has_select_for_no_key_update = False
    supports_select_for_update_with_limit = False

    @cached_property
    def supports_transactions(self) -> bool:
        """Real multi-document transactions: a replica set, a sharded cluster or the in-process engine."""
        self.connection.ensure_connection()
        return bool(self.connection.connection.transactions_supported)

    # ---------------------------------------------------------------- types
    has_native_uuid_field = True  # UUIDs are BSON binary subtype 4
    # False: durations are stored as integer microseconds (bigint).
    has_native_duration_field = False
    # Date, datetime and time differences are the driver's INTERVALs (returned as timedelta).
    supports_temporal_subtraction = True
    # False: datetimes are stored as BSON dates in UTC and returned naive, as on MySQL/SQLite.
    supports_timezones = False
    has_zoneinfo_database = True  # MongoDB's date operators know the Olson time zones
    # False: REAL and DOUBLE PRECISION are the same BSON double.
    has_real_datatype = False
    supports_unlimited_charfield = True  # strings have no declared limit in BSON
    # False: CAST(x AS numeric(5, 2)) ignores the precision ($convert to decimal has none).
    supports_cast_with_precision = False
    # True: JSON values are stored as documents and bound as Python objects, not as JSON text.
    has_native_json_field = True
    supports_json_field = True
    can_introspect_json_field = True
    supports_primitives_in_json_field = True
    has_json_operators = False
    # False: the driver has no document/array containment operator yet.
    supports_json_field_contains = False
    has_json_object_function = True  # JSON_OBJECT('key', value, ...); lookups.py writes keys as literals
    # False: the driver has no bitwise operators (DRIVER_GAPS.md G34).
    supports_logical_xor = False
    supports_boolean_expr_in_select_clause = True
    supports_comparing_boolean_expr = True

    # ---------------------------------------------------------------- text
    supports_regex_backreferencing = True  # MongoDB regexes are PCRE
    has_case_insensitive_like = False  # LIKE is case-sensitive; the backend uses ILIKE for i-lookups
    # False: MongoDB collations are per query or index, not per column.
    supports_collation_on_charfield = False
    supports_collation_on_textfield = False
    supports_non_deterministic_collations = False
    # False: MongoDB has no column or table comments.
    supports_comments = False
    supports_comments_inline = False

    # ---------------------------------------------------------------- ordering, compound queries, windows
    nulls_order_largest = False  # MongoDB sorts null before every other value
    order_by_nulls_first = True
    supports_order_by_nulls_modifier = True
    supports_select_union = True
    supports_select_intersection = True
    supports_select_difference = True
    supports_slicing_ordering_in_compound = True  # (SELECT ... ORDER BY ... LIMIT n) UNION (...)
    supports_parentheses_in_compound = True
    supports_over_clause = True
    supports_frame_range_fixed_distance = True
    # False: $setWindowFields has no frame exclusion.
    supports_frame_exclusion = False
    supports_aggregate_filter_clause = True
    # False: the driver compares row values only through the expanded AND/OR form.
    supports_tuple_lookups = False
    can_distinct_on_fields = False  # no DISTINCT ON in the grammar

    # ---------------------------------------------------------------- schema
    supports_combined_alters = True  # ALTER TABLE takes several actions
    # False: MongoDB cannot rename an index; Django drops and recreates it.
    can_rename_index = False
    # False: the driver refuses CREATE INDEX ... WHERE (DRIVER_GAPS.md: partialFilterExpression).
    supports_partial_indexes = False
    supports_functions_in_partial_indexes = False
    # False: MongoDB indexes fields, not expressions.
    supports_expression_indexes = False
    # False: MongoDB has no INCLUDE columns (every index can cover the fields it holds).
    supports_covering_indexes = False
    supports_index_column_ordering = True
    supports_index_on_text_field = True
    # False: DEFAULT takes constants and CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_TIME only.
    supports_expression_defaults = False
    # False: MongoDB has no generated columns.
    supports_stored_generated_columns = False
    supports_virtual_generated_columns = False
    # False: there are no tablespaces in MongoDB.
    supports_tablespaces = False
    supports_sequence_reset = True  # ALTER TABLE t ALTER COLUMN id RESTART WITH 1
    can_introspect_default = True
    can_introspect_materialized_views = False
    introspected_field_types = {
        **BaseDatabaseFeatures.introspected_field_types,
        "DurationField": "BigIntegerField",
        "GenericIPAddressField": "CharField",
        "PositiveBigIntegerField": "BigIntegerField",
        "PositiveIntegerField": "IntegerField",
        "PositiveSmallIntegerField": "SmallIntegerField",
    }
    # False: collections are case-sensitive.
    ignores_table_name_case = False
    truncates_names = False

    # ---------------------------------------------------------------- misc
    can_use_chunked_reads = True  # results stream in batches
    closed_cursor_error_class = InterfaceError
    # False: MongoDB has no stored procedures (callproc raises NotSupportedError).
    create_test_procedure_without_params_sql = None
    create_test_procedure_with_int_param_sql = None
    supports_callproc_kwargs = False
    supported_explain_formats: set[str] = set()
    @cached_property
    def can_clone_databases(self) -> bool:
        """creation.py copies the test database for parallel test runs.

        The in-process engine lives in the test process's memory: forked workers inherit the
        copies, spawned ones would start empty, so it needs the "fork" start method.
        """
        import multiprocessing

        self.connection.ensure_connection()
        return not self.connection.connection.embedded or multiprocessing.get_start_method() == "fork"
    rounds_to_even = False  # the driver rounds half away from zero
    greatest_least_ignores_nulls = True  # the driver's GREATEST/LEAST skip NULLs, as PostgreSQL's do
    test_collations = {"ci": None, "cs": None, "non_default": None, "swedish_ci": None, "virtual": None}
    insert_test_table_with_defaults = "INSERT INTO {} DEFAULT VALUES"

    django_test_skips = SKIPS

    @cached_property
    def django_test_expected_failures(self) -> set[str]:
        if self.connection.get_database_version() < (8, 0):
            return EXPECTED_FAILURES | EXPECTED_FAILURES_BEFORE_MONGODB_8
        return set(EXPECTED_FAILURES)
