"""django_backend.models: embedded documents, arrays, ObjectId keys and JSON keys, stored natively."""

from __future__ import annotations

import copy
import datetime
import pickle

import pytest

pytest.importorskip("django")

from bson import ObjectId  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import TestCase  # noqa: E402

from mongoapp.models import Blog, Document, Entry, Note  # noqa: E402


def raw_document(model, pk):
    """The stored MongoDB document, as another MongoDB client sees it."""
    return connection.mongo_database[model._meta.db_table].find_one({"_id": pk})


class EmbeddedFieldTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.beatles = Entry.objects.create(blog={"name": "Beatles Blog", "tagline": "All about the Beatles"},
                                           headline="Yesterday", tags=["music", "60s"],
                                           addresses=[{"city": "Liverpool", "zip_code": "L1"}])
        cls.djongo = Entry.objects.create(blog=Blog(name="Djongo", founded=datetime.date(2017, 1, 2)),
                                          headline="The Django MongoDB connector")

    def test_abstract_container_can_be_instantiated(self):
        blog = Blog(name="x")
        self.assertIsInstance(blog, Blog)
        self.assertEqual(blog.name, "x")

    def test_embedded_instances_copy_and_pickle(self):
        # TestCase deep-copies setUpTestData's objects for every test; the instance's class is a
        # stand-in outside the app registry, which Django's Model.__reduce__ would look up.
        blog = Blog(name="x", tagline="y")
        for copied in (copy.deepcopy(blog), pickle.loads(pickle.dumps(blog))):
            self.assertIsInstance(copied, Blog)
            self.assertEqual((copied.name, copied.tagline), ("x", "y"))
        self.assertEqual(copy.deepcopy(self.djongo).blog.name, "Djongo")

    def test_stored_as_embedded_document(self):
        document = raw_document(Entry, self.beatles.pk)
        self.assertEqual(document["blog"], {"name": "Beatles Blog", "tagline": "All about the Beatles",
                                            "founded": None})
        self.assertEqual(document["tags"], ["music", "60s"])
        self.assertEqual(document["addresses"], [{"city": "Liverpool", "zip_code": "L1"}])
        self.assertIsInstance(raw_document(Entry, self.djongo.pk)["blog"]["founded"], datetime.datetime)

    def test_read_back_as_container_instances(self):
        entry = Entry.objects.get(pk=self.djongo.pk)
        self.assertIsInstance(entry.blog, Blog)
        self.assertEqual(entry.blog.name, "Djongo")
        self.assertEqual(entry.blog.founded, datetime.date(2017, 1, 2))
        beatles = Entry.objects.get(pk=self.beatles.pk)
        self.assertEqual(beatles.tags, ["music", "60s"])
        self.assertEqual(beatles.addresses[0].city, "Liverpool")

    def test_query_the_django_way(self):
        self.assertEqual(Entry.objects.get(blog__name__startswith="Beatles"), self.beatles)
        self.assertEqual(Entry.objects.get(blog__name="Djongo"), self.djongo)
        self.assertEqual(Entry.objects.filter(blog__founded__year=2017).get(), self.djongo)

    def test_query_the_djongo_way(self):
        self.assertEqual(Entry.objects.get(blog__startswith={"name": "Beatles"}), self.beatles)
        self.assertEqual(Entry.objects.get(blog={"name": "Djongo"}), self.djongo)
        self.assertFalse(Entry.objects.filter(blog__startswith={"name": "Beatles", "tagline": "Nothing"}).exists())

    def test_update_embedded_value(self):
        entry = Entry.objects.get(pk=self.djongo.pk)
        entry.blog.tagline = "updated"
        entry.save()
        self.assertEqual(raw_document(Entry, entry.pk)["blog"]["tagline"], "updated")

    def test_array_index(self):
        self.assertEqual(Entry.objects.get(tags__0="music"), self.beatles)


class JSONKeyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.a = Entry.objects.create(blog={"name": "a"}, headline="a",
                                     data={"owner": {"name": "Ann", "age": 40}, "tags": ["x", "y"], "active": True})
        cls.b = Entry.objects.create(blog={"name": "b"}, headline="b", data={"owner": {"name": "Bob", "age": 25}})

    def test_stored_natively(self):
        self.assertEqual(raw_document(Entry, self.a.pk)["data"]["owner"], {"name": "Ann", "age": 40})

    def test_key_lookups(self):
        self.assertEqual(Entry.objects.get(data__owner__name="Ann"), self.a)
        self.assertEqual(Entry.objects.get(data__owner__age__lt=30), self.b)
        self.assertEqual(Entry.objects.get(data__owner__name__istartswith="bo"), self.b)
        self.assertEqual(Entry.objects.get(data__tags__1="y"), self.a)
        self.assertEqual(Entry.objects.get(data__active=True), self.a)

    def test_has_key_and_isnull(self):
        self.assertEqual(Entry.objects.get(data__has_key="tags"), self.a)
        self.assertEqual(Entry.objects.get(data__tags__isnull=True), self.b)

    def test_values_of_keys(self):
        names = list(Entry.objects.order_by("headline").values_list("data__owner__name", flat=True))
        self.assertEqual(names, ["Ann", "Bob"])


class ObjectIdTests(TestCase):
    def test_objectid_primary_key(self):
        document = Document.objects.create(title="first")
        self.assertIsInstance(document.pk, ObjectId)
        self.assertEqual(Document.objects.get(pk=document.pk).title, "first")
        self.assertEqual(Document.objects.get(pk=str(document.pk)), document)
        self.assertEqual(raw_document(Document, document.pk)["title"], "first")

    def test_foreign_key_to_objectid(self):
        document = Document.objects.create(title="with notes", ref=ObjectId())
        Note.objects.create(document=document, text="n1")
        self.assertEqual(document.notes.get().text, "n1")
        self.assertEqual(Note.objects.get(document__title="with notes").document, document)
        self.assertIsInstance(Document.objects.get(pk=document.pk).ref, ObjectId)


class EmbeddedAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("root", "root@example.com", "pw")

    def test_add_and_change_through_admin_forms(self):
        self.client.force_login(self.admin)
        response = self.client.get("/admin/mongoapp/entry/add/")
        self.assertContains(response, 'name="blog_name"')
        response = self.client.post("/admin/mongoapp/entry/add/", {
            "blog_name": "Beatles Blog", "blog_tagline": "All the Beatles", "headline": "Added in the admin",
            "tags": '["a"]', "addresses": "[]", "data": "{}"})
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        entry = Entry.objects.get(headline="Added in the admin")
        self.assertEqual(entry.blog.name, "Beatles Blog")
        response = self.client.post(f"/admin/mongoapp/entry/{entry.pk}/change/", {
            "blog_name": "Beatles Blog", "blog_tagline": "changed", "headline": "Added in the admin",
            "tags": '["a"]', "addresses": "[]", "data": "{}"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(raw_document(Entry, entry.pk)["blog"]["tagline"], "changed")
