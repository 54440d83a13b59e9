"""A small Django project on django_backend with the in-process engine, end to end.

conftest.py creates the test database the way Django's test runner does (``setup_databases``:
drop, then ``migrate`` every app); each TestCase runs inside a real MongoDB transaction that is
rolled back afterwards. Plain pytest drives Django's own TestCase classes.
"""

from __future__ import annotations

import datetime
import decimal
import os
import uuid

import pytest

pytest.importorskip("django")

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402
from django.db.models import Avg, Count, F, Max, Min, Q, Sum, Value  # noqa: E402
from django.db.models.functions import ExtractYear, Lower, TruncMonth, Upper  # noqa: E402
from django.test import TestCase, TransactionTestCase  # noqa: E402

from basicapp.models import Author, Book, Tag  # noqa: E402


class BackendTests(TestCase):
    def test_vendor_and_settings(self):
        self.assertEqual(connection.vendor, "mongodbapi")
        self.assertTrue(connection.settings_dict["NAME"].startswith("test_"))
        self.assertIn("basicapp_book", connection.introspection.table_names())

    def test_introspection_of_migrated_table(self):
        with connection.cursor() as cursor:
            columns = {c.name: c for c in connection.introspection.get_table_description(cursor, "basicapp_book")}
            constraints = connection.introspection.get_constraints(cursor, "basicapp_book")
        self.assertEqual(columns["title"].internal_size, 200)
        self.assertFalse(columns["title"].null_ok)
        self.assertTrue(columns["price"].null_ok)
        self.assertTrue(columns["id"].is_autofield)
        self.assertEqual(connection.introspection.get_field_type(columns["id"].type_code, columns["id"]),
                         "BigAutoField")
        unique_sets = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
        self.assertIn(["author_id", "title"], unique_sets)
        self.assertIn(["code"], unique_sets)
        self.assertEqual(constraints["book_pub_pages_idx"]["orders"], ["ASC", "DESC"])
        pk = [c for c in constraints.values() if c["primary_key"]]
        self.assertEqual(pk[0]["columns"], ["id"])


class CrudTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", email="ann@example.com", born=datetime.date(1970, 5, 1))
        cls.bob = Author.objects.create(name="Bob")
        cls.python = Tag.objects.create(slug="python")
        cls.mongo = Tag.objects.create(slug="mongo")
        cls.b1 = Book.objects.create(title="Learning SQL", author=cls.ann, pages=300, price=decimal.Decimal("29.90"),
                                     rating=4.5, published=datetime.date(2020, 1, 15), extra={"lang": "en"})
        cls.b2 = Book.objects.create(title="MongoDB Basics", author=cls.ann, pages=150,
                                     price=decimal.Decimal("19.00"), published=datetime.date(2021, 3, 2))
        cls.b3 = Book.objects.create(title="Django Unchained", author=cls.bob, pages=500, in_print=False)

    def test_create_assigns_integer_keys(self):
        self.assertIsInstance(self.ann.pk, int)
        self.assertEqual(self.bob.pk, self.ann.pk + 1)
        explicit = Author.objects.create(pk=1000, name="Explicit")
        after = Author.objects.create(name="After")
        self.assertEqual(explicit.pk, 1000)
        self.assertGreater(after.pk, 1000)

    def test_read_back_types(self):
        book = Book.objects.get(pk=self.b1.pk)
        self.assertEqual(book.price, decimal.Decimal("29.90"))
        self.assertEqual(book.published, datetime.date(2020, 1, 15))
        self.assertIsInstance(book.code, uuid.UUID)
        self.assertEqual(book.code, self.b1.code)
        self.assertEqual(book.extra, {"lang": "en"})
        self.assertIsNotNone(book.created.tzinfo)
        self.assertTrue(book.in_print)
        self.assertEqual(book.rating, 4.5)

    def test_update_and_delete(self):
        Book.objects.filter(pk=self.b2.pk).update(pages=F("pages") + 10)
        self.b2.refresh_from_db()
        self.assertEqual(self.b2.pages, 160)
        self.b2.title = "MongoDB Basics, 2nd ed."
        self.b2.save()
        self.assertEqual(Book.objects.get(pk=self.b2.pk).title, "MongoDB Basics, 2nd ed.")
        self.assertEqual(Book.objects.filter(in_print=False).delete()[0], 1)
        self.assertEqual(Book.objects.count(), 2)

    def test_unique_violation(self):
        with self.assertRaises(IntegrityError):
            Author.objects.create(name="Ann")

    def test_filters(self):
        self.assertEqual(Book.objects.filter(pages__gt=200).count(), 2)
        self.assertEqual(Book.objects.filter(title__icontains="mongodb").get(), self.b2)
        self.assertEqual(Book.objects.filter(title__contains="mongodb").count(), 0)
        self.assertEqual(Book.objects.filter(title__startswith="Learn").get(), self.b1)
        self.assertEqual(Book.objects.filter(title__iendswith="CHAINED").get(), self.b3)
        self.assertEqual(Book.objects.filter(price__isnull=True).get(), self.b3)
        self.assertEqual(Book.objects.filter(pk__in=[self.b1.pk, self.b3.pk]).count(), 2)
        self.assertEqual(Book.objects.exclude(pages__lte=150).count(), 2)
        self.assertEqual(Book.objects.filter(Q(pages=150) | Q(pages=500)).count(), 2)
        self.assertEqual(Book.objects.filter(published__year=2020).get(), self.b1)
        self.assertEqual(Book.objects.filter(published__range=(datetime.date(2020, 1, 1),
                                                               datetime.date(2020, 12, 31))).get(), self.b1)
        self.assertEqual(Book.objects.filter(title__regex=r"^D.*d$").get(), self.b3)
        self.assertEqual(Book.objects.filter(author=self.ann).count(), 2)
        self.assertEqual(Book.objects.filter(extra__lang="en").get(), self.b1)
        self.assertTrue(Book.objects.filter(pages=300).exists())
        self.assertFalse(Book.objects.filter(pages=301).exists())

    def test_ordering_and_slicing(self):
        titles = list(Book.objects.order_by("-pages").values_list("title", flat=True))
        self.assertEqual(titles, ["Django Unchained", "Learning SQL", "MongoDB Basics"])
        self.assertEqual(list(Author.objects.values_list("name", flat=True)), ["Ann", "Bob"])  # Meta.ordering
        self.assertEqual([b.pages for b in Book.objects.order_by("pages")[1:3]], [300, 500])
        self.assertEqual(Book.objects.order_by("price").first(), self.b3)  # NULL sorts first
        self.assertEqual(Book.objects.order_by(F("price").asc(nulls_last=True)).first(), self.b2)

    def test_aggregates(self):
        result = Book.objects.aggregate(n=Count("id"), total=Sum("pages"), avg=Avg("pages"), lo=Min("pages"),
                                        hi=Max("price"))
        self.assertEqual(result["n"], 3)
        self.assertEqual(result["total"], 950)
        self.assertAlmostEqual(result["avg"], 950 / 3)
        self.assertEqual(result["lo"], 150)
        self.assertEqual(result["hi"], decimal.Decimal("29.90"))
        per_author = dict(Book.objects.values_list("author_id").annotate(n=Count("id")).order_by())
        self.assertEqual(per_author, {self.ann.pk: 2, self.bob.pk: 1})

    def test_functions(self):
        upper = list(Book.objects.annotate(u=Upper("title")).order_by("pk").values_list("u", flat=True))
        self.assertEqual(upper[0], "LEARNING SQL")
        self.assertEqual(Book.objects.annotate(y=ExtractYear("published")).filter(y=2021).get(), self.b2)
        months = Book.objects.filter(published__isnull=False).annotate(m=TruncMonth("published")).order_by("m")
        self.assertEqual([b.m for b in months], [datetime.date(2020, 1, 1), datetime.date(2021, 3, 1)])
        self.assertEqual(Author.objects.annotate(l=Lower("name")).filter(l="bob").get(), self.bob)
        self.assertEqual(Book.objects.annotate(one=Value(1)).first().one, 1)

    def test_values_and_distinct(self):
        self.assertEqual(sorted(Book.objects.values_list("in_print", flat=True).distinct()), [False, True])
        row = Book.objects.filter(pk=self.b1.pk).values("title", "pages").get()
        self.assertEqual(row, {"title": "Learning SQL", "pages": 300})

    def test_foreign_key_and_reverse(self):
        self.assertEqual(self.b1.author.name, "Ann")
        self.assertEqual(set(self.ann.books.values_list("title", flat=True)), {"Learning SQL", "MongoDB Basics"})

    def test_filter_across_relation(self):
        # Needs JOIN (driver issue 3).
        self.assertEqual(Book.objects.filter(author__name="Bob").get(), self.b3)
        self.assertEqual(Book.objects.select_related("author").get(pk=self.b1.pk).author.name, "Ann")

    def test_many_to_many(self):
        self.b1.tags.add(self.python, self.mongo)
        self.b2.tags.add(self.mongo)
        self.assertEqual(self.b1.tags.count(), 2)
        self.assertEqual(sorted(t.slug for t in self.b1.tags.all()), ["mongo", "python"])
        self.assertEqual(self.mongo.books.count(), 2)
        self.b1.tags.remove(self.python)
        self.assertEqual(self.b1.tags.count(), 1)

    def test_cascade_delete(self):
        self.bob.delete()
        self.assertFalse(Book.objects.filter(pk=self.b3.pk).exists())

    def test_bulk_create_returns_keys(self):
        tags = Tag.objects.bulk_create([Tag(slug="a"), Tag(slug="b"), Tag(slug="c")])
        self.assertTrue(all(isinstance(t.pk, int) for t in tags))
        self.assertEqual(Tag.objects.filter(slug__in=["a", "b", "c"]).count(), 3)

    def test_get_or_create_and_update_or_create(self):
        tag, created = Tag.objects.get_or_create(slug="python")
        self.assertFalse(created)
        self.assertEqual(tag, self.python)
        tag, created = Tag.objects.update_or_create(slug="new", defaults={"slug": "new"})
        self.assertTrue(created)


class TransactionTests(TransactionTestCase):
    available_apps = ["basicapp"]

    def test_commit_and_rollback(self):
        with transaction.atomic():
            Tag.objects.create(slug="kept")
        try:
            with transaction.atomic():
                Tag.objects.create(slug="dropped")
                raise RuntimeError
        except RuntimeError:
            pass
        self.assertEqual(list(Tag.objects.values_list("slug", flat=True)), ["kept"])

    def test_failed_inner_block(self):
        # With savepoints, a failed inner atomic() undoes only its own writes. Without them
        # (MongoDB has none; the driver may emulate them), it dooms the outer transaction, and
        # nothing of it is kept - never a silent partial commit.
        with transaction.atomic():
            Tag.objects.create(slug="outer")
            try:
                with transaction.atomic():
                    Tag.objects.create(slug="inner")
                    raise RuntimeError
            except RuntimeError:
                pass
            doomed = transaction.get_rollback()
        kept = sorted(Tag.objects.values_list("slug", flat=True))
        if connection.features.uses_savepoints:
            self.assertFalse(doomed)
            self.assertEqual(kept, ["outer"])
        else:
            self.assertTrue(doomed)
            self.assertEqual(kept, [])


class ContribTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("admin", "admin@example.com", "secret")
        cls.author = Author.objects.create(name="Ann")

    def test_contenttypes_and_permissions(self):
        ct = ContentType.objects.get_for_model(Book)
        self.assertEqual((ct.app_label, ct.model), ("basicapp", "book"))
        self.assertTrue(Permission.objects.filter(content_type=ct, codename="add_book").exists())

    def test_auth_user_and_groups(self):
        user = User.objects.create_user("carol", password="pw")
        editors = Group.objects.create(name="editors")
        user.groups.add(editors)
        self.assertTrue(user.check_password("pw"))
        self.assertEqual(list(user.groups.values_list("name", flat=True)), ["editors"])

    def test_login_and_session(self):
        self.assertTrue(self.client.login(username="admin", password="secret"))
        self.assertEqual(Session.objects.count(), 1)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Basicapp")

    def test_admin_add_and_change(self):
        self.client.force_login(self.admin)
        response = self.client.post("/admin/basicapp/tag/add/", {"slug": "admin-made"})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        tag = Tag.objects.get(slug="admin-made")
        response = self.client.post(f"/admin/basicapp/tag/{tag.pk}/change/", {"slug": "admin-changed"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Tag.objects.filter(slug="admin-changed").exists())

    def test_admin_changelist_search_and_filter(self):
        self.client.force_login(self.admin)
        Book.objects.create(title="Searchable", author=self.author, in_print=False)
        response = self.client.get("/admin/basicapp/book/", {"q": "search"})
        self.assertContains(response, "Searchable")
        response = self.client.get("/admin/basicapp/book/", {"in_print__exact": "0"})
        self.assertContains(response, "Searchable")
        response = self.client.get("/admin/basicapp/author/")
        self.assertContains(response, "Ann")

    def test_admin_log_and_delete(self):
        self.client.force_login(self.admin)
        tag = Tag.objects.create(slug="to-delete")
        response = self.client.post(f"/admin/basicapp/tag/{tag.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Tag.objects.filter(pk=tag.pk).exists())


class ManagementCommandTests(TransactionTestCase):
    available_apps = ["basicapp"]

    def test_dumpdata_loaddata(self):
        import io
        import json
        import tempfile

        author = Author.objects.create(name="Dumped")
        Tag.objects.create(slug="t1")
        out = io.StringIO()
        call_command("dumpdata", "basicapp.author", "basicapp.tag", stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual({d["model"] for d in data}, {"basicapp.author", "basicapp.tag"})
        Author.objects.all().delete()
        Tag.objects.all().delete()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(data, handle)
        try:
            call_command("loaddata", handle.name, verbosity=0)
        finally:
            os.unlink(handle.name)
        self.assertEqual(Author.objects.get().pk, author.pk)
        self.assertEqual(Author.objects.create(name="Next").pk, author.pk + 1)

    def test_flush(self):
        Tag.objects.create(slug="gone")
        call_command("flush", interactive=False, verbosity=0)
        self.assertEqual(Tag.objects.count(), 0)

    def test_inspectdb(self):
        import io

        out = io.StringIO()
        call_command("inspectdb", "basicapp_book", stdout=out)
        text = out.getvalue()
        self.assertIn("class BasicappBook(models.Model):", text)
        self.assertIn("title = models.CharField(max_length=200)", text)
        self.assertIn("id = models.BigAutoField(primary_key=True)", text)

    def test_inspectdb_on_collection_written_by_another_client(self):
        import io

        database = connection.mongo_database
        database["legacy_people"].insert_many([
            {"name": "Ann", "age": 40, "joined": datetime.datetime(2020, 1, 1), "address": {"city": "Oslo"}},
            {"name": "Bob", "tags": ["x"]}])
        connection.invalidate_catalog()
        try:
            out = io.StringIO()
            call_command("inspectdb", "legacy_people", stdout=out)
            text = out.getvalue()
            self.assertIn("field_id = django_backend.models.ObjectIdAutoField(db_column='_id', primary_key=True)", text)
            self.assertIn("age = models.IntegerField(blank=True, null=True)", text)
            self.assertIn("address = models.JSONField(blank=True, null=True)", text)
            with connection.cursor() as cursor:
                cursor.execute('SELECT "name", "address"."city" FROM "legacy_people" ORDER BY "name"')
                self.assertEqual(cursor.fetchall(), [("Ann", "Oslo"), ("Bob", None)])
        finally:
            database["legacy_people"].drop()
            connection.invalidate_catalog()
