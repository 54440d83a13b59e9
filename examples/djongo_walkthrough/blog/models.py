"""Djongo's walkthrough models, unchanged except for the import line (was: ``from djongo import models``)."""

from django import forms

from django_backend import models


class Blog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.TextField()

    class Meta:
        abstract = True


class BlogForm(forms.ModelForm):
    class Meta:
        model = Blog
        fields = ("name", "tagline")


class Entry(models.Model):
    blog = models.EmbeddedField(model_container=Blog, model_form_class=BlogForm)
    headline = models.CharField(max_length=255)

    objects = models.DjongoManager()

    def __str__(self):
        return self.headline
