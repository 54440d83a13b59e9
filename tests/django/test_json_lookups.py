"""JSONField key lookups over values of mixed shapes, with PostgreSQL's jsonb meaning (Django's docs):
has_key never matches through an array, a key holding JSON null exists, key__isnull=True means the key
is absent, and exclude(key=None) keeps only rows whose key holds a value."""

from __future__ import annotations

import pytest

pytest.importorskip("django")

from django.db.models import F  # noqa: E402
from django.db.models.fields.json import KT  # noqa: E402
from django.test import TestCase  # noqa: E402

from mongoapp.models import Entry  # noqa: E402


class JSONKeyLookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        values = {
            "doc": {"a": "b", "j": None, "k": {"l": "m"}, "d": ["e", {"f": "g"}], "foo": "bar",
                    "bax": {"foo": "bar"}, "dot.ted": 1},
            "in_array": [{"a": "b", "k": {"l": "m"}, "j": None}],
            "nested_list": {"k": [{"l": "m"}], "j": 1},
            "empty_list": [],
            "empty": {},
        }
        cls.rows = {name: Entry.objects.create(blog={"name": name}, headline=name, data=value)
                    for name, value in values.items()}

    def names(self, queryset):
        return sorted(entry.headline for entry in queryset)

    def test_has_key_does_not_look_into_arrays(self):
        self.assertEqual(self.names(Entry.objects.filter(data__has_key="a")), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__k__has_key="l")), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__has_keys=["a", "k"])), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__has_any_keys=["a", "j"])), ["doc", "nested_list"])

    def test_has_key_through_an_index(self):
        self.assertEqual(self.names(Entry.objects.filter(data__d__1__has_key="f")), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__0__has_key="a")), ["in_array"])
        # A key transform as the key is a path (Django's has_key=F("value__d__1__f")).
        self.assertEqual(self.names(Entry.objects.filter(data__has_key=F("data__d__1__f"))), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__has_key=KT("data__k__l"))), ["doc"])

    def test_a_key_holding_null_exists(self):
        self.assertEqual(self.names(Entry.objects.filter(data__has_key="j")), ["doc", "nested_list"])
        self.assertEqual(self.names(Entry.objects.filter(data__j=None)), ["doc"])

    def test_exclude_key_none_keeps_rows_whose_key_holds_a_value(self):
        self.assertEqual(self.names(Entry.objects.exclude(data__j=None)), ["nested_list"])

    def test_key_isnull_means_absent(self):
        self.assertEqual(self.names(Entry.objects.filter(data__a__isnull=True)),
                         ["empty", "empty_list", "in_array", "nested_list"])
        self.assertEqual(self.names(Entry.objects.filter(data__k__l__isnull=False)), ["doc"])

    def test_key_values_are_null_through_arrays(self):
        self.assertEqual(self.names(Entry.objects.filter(data__k__l="m")), ["doc"])
        self.assertEqual(self.names(Entry.objects.exclude(data__a="b")), [])  # NULL keys are neither
        self.assertEqual(self.names(Entry.objects.filter(data__foo=F("data__bax__foo"))), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__k__0__l="m")), ["nested_list"])

    def test_keys_with_special_characters(self):
        self.assertEqual(self.names(Entry.objects.filter(**{"data__dot.ted": 1})), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__has_key="dot.ted")), ["doc"])

    def test_a_key_holding_an_array_is_compared_as_a_whole(self):
        self.assertEqual(self.names(Entry.objects.filter(data__d="e")), [])  # d is ["e", {"f": "g"}]
        self.assertEqual(self.names(Entry.objects.filter(data__d=["e", {"f": "g"}])), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__d__0="e")), ["doc"])
        self.assertEqual(self.names(Entry.objects.filter(data__k__in=[{"l": "m"}, "x"])), ["doc"])
