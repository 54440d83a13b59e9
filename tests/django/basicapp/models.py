"""A small app exercising the common Django shapes: FK, M2M, unique fields, many field types."""

import uuid

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(blank=True)
    born = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.slug


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")
    pages = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rating = models.FloatField(null=True, blank=True)
    published = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    in_print = models.BooleanField(default=True)
    code = models.UUIDField(default=uuid.uuid4, unique=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        unique_together = [("author", "title")]
        indexes = [models.Index(fields=["published", "-pages"], name="book_pub_pages_idx")]

    def __str__(self):
        return self.title
