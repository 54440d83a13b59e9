from django.contrib import admin

from .models import Document, Entry

admin.site.register(Entry)
admin.site.register(Document)
