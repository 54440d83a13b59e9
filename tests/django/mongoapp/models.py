"""MongoDB-native fields: embedded documents, arrays, ObjectId keys, JSON with queryable keys."""

from django import forms

from django_backend import models


class Address(models.Model):
    city = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True


class Blog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.TextField(blank=True)
    founded = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class BlogForm(forms.ModelForm):
    class Meta:
        model = Blog
        fields = ("name", "tagline")


class Entry(models.Model):
    blog = models.EmbeddedField(model_container=Blog, model_form_class=BlogForm)
    headline = models.CharField(max_length=255)
    tags = models.ArrayField(models.CharField(max_length=20), blank=True)
    addresses = models.ArrayField(model_container=Address, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = models.DjongoManager()

    def __str__(self):
        return self.headline


class Document(models.Model):
    id = models.ObjectIdAutoField(primary_key=True)
    title = models.CharField(max_length=50)
    ref = models.ObjectIdField(null=True, blank=True)


class Note(models.Model):
    document = models.ForeignKey(Document, models.CASCADE, related_name="notes")
    text = models.CharField(max_length=50)
