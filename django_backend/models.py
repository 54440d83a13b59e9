"""``from django_backend import models``: Django's models plus MongoDB-native fields.

Everything in ``django.db.models`` is re-exported, so a project switching from Djongo changes
only its import line.
"""

from django.db.models import *  # noqa: F401,F403
from django.db.models import __all__ as _django_all

from django.db.models import Manager as _Manager

from .fields import ArrayField, EmbeddedField, JSONField, ObjectIdAutoField, ObjectIdField  # noqa: F401


class DjongoManager(_Manager):
    """Djongo's manager name, kept so that Djongo models import unchanged; it is Django's Manager."""


__all__ = list(_django_all) + ["ArrayField", "DjongoManager", "EmbeddedField", "JSONField", "ObjectIdAutoField",
                               "ObjectIdField"]
