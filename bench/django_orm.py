"""Django ORM operations through django_backend against the same operations written with pymongo.

Small tables on the in-process engine (50 authors, 200 books of ``tests/django/basicapp``). Each
Django operation is compared with what a developer would write by hand against the same
collections (target: at most 2x):

* ``Book.objects.get(pk=...)``                       vs ``find_one({"_id": ...})``
* 20 books ``select_related("author")``, filtered   vs a ``$match`` + ``$limit`` + ``$lookup`` + ``$unwind``
                                                     pipeline (the driver must put ``$limit`` after the
                                                     inner join; the engine stops the lookups at 20 rows)
* ``Book.objects.filter(...).count()``               vs ``count_documents(...)``
* ``Author.objects.create(...)``                     vs taking an id from the sequence + ``insert_one``
"""

from __future__ import annotations

import os
import sys

import _common

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "django"))
os.environ["DJANGO_SETTINGS_MODULE"] = "settings_basic"


def main() -> int:
    args = _common.arguments(__doc__)
    import django
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    django.setup()
    from basicapp.models import Author, Book  # noqa: E402  (needs django.setup())

    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    authors = Author.objects.bulk_create([Author(name=f"author {i}", email=f"a{i}@x.org") for i in range(50)])
    for i in range(200):
        Book.objects.create(title=f"book {i}", author=authors[i % 50], pages=i % 300, rating=(i % 5) + 0.5)
    connection.ensure_connection()
    database = connection.connection.database
    books, people = database[Book._meta.db_table], database[Author._meta.db_table]
    schema = database["__schema__"]
    ids = iter(range(10**9))

    def pk() -> int:
        return next(ids) % 200 + 1

    created = iter(range(10**9))
    operations = {
        "get(pk=)": (lambda: Book.objects.get(pk=pk()), lambda: books.find_one({"_id": pk()})),
        "20 with select_related": (
            lambda: list(Book.objects.select_related("author").filter(pages__gte=100)[:20]),
            lambda: list(books.aggregate([
                {"$match": {"pages": {"$gte": 100}}}, {"$limit": 20},
                {"$lookup": {"from": people.name, "localField": "author_id", "foreignField": "_id", "as": "a"}},
                {"$unwind": "$a"}]))),
        "count()": (lambda: Book.objects.filter(pages__gte=100).count(),
                    lambda: books.count_documents({"pages": {"$gte": 100}})),
        "create()": (
            lambda: Author.objects.create(name=f"new {next(created)}"),
            lambda: people.insert_one({"_id": schema.find_one_and_update(
                {"name": people.name}, {"$inc": {"auto.seq": 1}}, return_document=True)["auto"]["seq"],
                "name": f"raw {next(created)}", "email": ""})),
    }
    number, repeat = (20, 3) if args.quick else (100, 5)
    print(f"Django ORM ({django.get_version()}) through django_backend vs pymongo: 50 authors, 200 books")
    print(f"  ({_common.machine()}; median of {repeat} runs of {number} calls)")
    ok = True
    for label, (orm, raw) in operations.items():
        times = _common.compare({"orm": orm, "raw": raw}, number, repeat)
        _common.report(f"{label}: pymongo", times["raw"])
        _common.report(f"{label}: Django ORM", times["orm"])
        ok &= _common.verdict(f"{label}: ORM / pymongo", times["orm"] / times["raw"], 2.0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
