"""Model checks specific to MongoDB through the driver."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db.backends.base.validation import BaseDatabaseValidation


class DatabaseValidation(BaseDatabaseValidation):
    def check_field_type(self, field: Any, field_type: str) -> list[checks.CheckMessage]:
        errors = []
        if (field.unique and field.null and not field.primary_key
                and not self.connection.features.supports_nullable_unique_constraints):
            errors.append(checks.Warning(
                "%s allows NULL and is unique; MongoDB's unique indexes treat NULL as a value, "
                "so only one row may have NULL in it." % field.__class__.__name__,
                hint="Use null=False, or drop unique=True and enforce uniqueness in code.",
                obj=field,
                id="django_backend.W001",
            ))
        return errors
