"""The walkthrough, driven through the admin with Django's test client: ``python manage.py test``."""

from django.contrib.auth.models import User
from django.db import connection
from django.test import TestCase

from .models import Blog, Entry


def stored(entry):
    """The entry's document as any other MongoDB client sees it."""
    return connection.mongo_database["blog_entry"].find_one({"_id": entry.pk})


class WalkthroughTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("admin", "admin@example.com", "password")

    def test_assign_a_dict_or_an_instance(self):
        e = Entry()
        e.blog = {"name": "Djongo"}
        e.headline = "The Django MongoDB connector"
        e.save()
        self.assertEqual(stored(e)["blog"], {"name": "Djongo", "tagline": ""})
        e2 = Entry.objects.create(blog=Blog(name="Beatles Blog", tagline="All the latest Beatles news."),
                                  headline="Beatles")
        self.assertEqual(stored(e2)["blog"]["name"], "Beatles Blog")
        self.assertIsInstance(Entry.objects.get(pk=e2.pk).blog, Blog)

    def test_admin_add_change_and_query(self):
        self.assertTrue(self.client.login(username="admin", password="password"))
        self.assertContains(self.client.get("/admin/"), "/admin/blog/entry/add/")
        add_page = self.client.get("/admin/blog/entry/add/")
        self.assertContains(add_page, 'name="blog_name"')
        self.assertContains(add_page, 'name="blog_tagline"')

        response = self.client.post("/admin/blog/entry/add/", {
            "blog_name": "Beatles Blog", "blog_tagline": "All the latest Beatles news.", "headline": "The Beatles"})
        self.assertRedirects(response, "/admin/blog/entry/")
        entry = Entry.objects.get(headline="The Beatles")
        self.assertEqual(stored(entry)["blog"], {"name": "Beatles Blog", "tagline": "All the latest Beatles news."})

        change_url = f"/admin/blog/entry/{entry.pk}/change/"
        self.assertContains(self.client.get(change_url), "All the latest Beatles news.")
        response = self.client.post(change_url, {
            "blog_name": "Beatles Blog", "blog_tagline": "Edited in the admin.", "headline": "The Beatles"})
        self.assertRedirects(response, "/admin/blog/entry/")
        self.assertEqual(stored(entry)["blog"]["tagline"], "Edited in the admin.")
        self.assertContains(self.client.get("/admin/blog/entry/"), "The Beatles")

        Entry.objects.create(blog={"name": "Rolling Stones Blog", "tagline": "..."}, headline="Stones")
        self.assertEqual([e.headline for e in Entry.objects.filter(blog__startswith={"name": "Beatles"})],
                         ["The Beatles"])
        self.assertEqual([e.headline for e in Entry.objects.filter(blog__name__startswith="Beatles")],
                         ["The Beatles"])
