"""MongoDB-native model fields: embedded documents, arrays and ObjectIds.

* ``EmbeddedField(model_container=Blog)`` stores a real embedded document. Values may be
  assigned as dicts or as instances of the container model, even when the container is
  abstract (Djongo's walkthrough uses an abstract ``Blog``). Sub-fields are queryable the
  Django way, ``filter(blog__name__startswith="Beatles")``, and the Djongo way,
  ``filter(blog__startswith={"name": "Beatles"})`` (every key must match).
* ``ArrayField(base_field)`` or ``ArrayField(model_container=X)`` stores a BSON array.
* ``ObjectIdField`` / ``ObjectIdAutoField`` hold ``bson.ObjectId`` values; the auto field makes
  a new ObjectId in the client before the insert, as every MongoDB driver does.

Sub-fields become dotted paths in the driver's SQL (``"entry"."blog"."name"``), which the
driver turns into MongoDB field paths.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from bson import ObjectId
from bson.errors import InvalidId
from django import forms
from django.apps.registry import Apps
from django.core import checks, exceptions
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import lookups as builtin_lookups
from django.db.models.lookups import Lookup, Transform
from django.utils.translation import gettext_lazy as _

# ----------------------------------------------------------------- paths into documents

_COLUMN_SQL = re.compile(r'^(?:"(?:[^"]|"")+"\.)*"(?:[^"]|"")+"$')


def quote_key(key: str) -> str:
    return '"%s"' % str(key).replace('"', '""')


def path_sql(compiler: Any, connection: Any, base: Any, keys: list[str],
             last_is_name: bool = False, json: bool = False) -> tuple[str, list[Any]]:
    """A path into a stored document, in the driver's SQL.

    Embedded models (declared documents) use dotted paths from a column: ``"table"."column"."key"``.
    JSON values (``json``) may hold an array anywhere, and a dotted path would read through it
    (``"$v.a"`` of ``[{"a": 1}]`` is ``[1]``), so their keys are string subscripts,
    ``"table"."column"['key']``: a field of a document, NULL on any other shape, as PostgreSQL's
    ``->``; the driver still filters on them with the dotted query-language path, guarded. Integer
    keys index arrays (``[0]``) unless ``last_is_name`` says the last one is an object key. Keys
    that are not plain field names (with a dot, a ``%`` or a leading ``$``) and keys of any other
    expression use string subscripts too: ``(expression)['key']``.
    """
    sql, params = compiler.compile(base)
    params = list(params)
    column = bool(_COLUMN_SQL.match(sql))
    dotted = column and not json
    if not column:
        sql = f"({sql})"
    for position, key in enumerate(keys):
        key = str(key)
        as_name = last_is_name and position == len(keys) - 1  # has_key=1 means the key "1", not element 1
        if key.lstrip("-").isdigit() and not as_name:
            sql += "[%d]" % int(key)
        elif dotted and "." not in key and "%" not in key and not key.startswith("$"):
            sql += "." + quote_key(key)
        else:
            sql += "[%s]" % _string_literal(key)
            dotted = False  # after a subscript, stay with subscripts
    return sql, params


def _string_literal(text: str) -> str:
    return "'%s'" % text.replace("'", "''").replace("%", "%%")


# ----------------------------------------------------------------- ObjectId


class ObjectIdMixin:
    description = _("MongoDB ObjectId")
    default_error_messages = {"invalid": _("“%(value)s” is not a valid ObjectId.")}

    def get_internal_type(self) -> str:
        return "ObjectIdField"

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, ObjectId):
            return value
        try:
            return ObjectId(str(value))
        except (InvalidId, TypeError):
            raise exceptions.ValidationError(self.error_messages["invalid"], code="invalid",
                                             params={"value": value}) from None

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)  # type: ignore[arg-type]  (not IntegerField's int())
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return self.to_python(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else self.to_python(value)

    def rel_db_type(self, connection: Any) -> str:
        return "objectid"

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": forms.CharField, "max_length": 24, **kwargs})  # type: ignore[misc]

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)  # type: ignore[attr-defined]
        return "" if value is None else str(value)


class ObjectIdField(ObjectIdMixin, models.Field):
    """A field holding a ``bson.ObjectId`` (stored as one, not as text)."""


class ObjectIdAutoField(ObjectIdMixin, models.AutoField):
    """A primary key of MongoDB ObjectIds, made by the client before the insert.

    Usable as ``DEFAULT_AUTO_FIELD = "django_backend.fields.ObjectIdAutoField"``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", ObjectId)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is ObjectId:
            del kwargs["default"]
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "ObjectIdAutoField"

    def db_type(self, connection: Any) -> str:
        return "objectid"

    @property
    def validators(self) -> list[Any]:
        return []

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return value if prepared else self.get_prep_value(value)


# ----------------------------------------------------------------- embedded models


_twins: dict[type, type] = {}
_twin_apps = Apps()  # concrete stand-ins for abstract containers live outside the app registry


def _concrete(container: type) -> type:
    """A concrete, unmanaged subclass of an abstract container, so that it can be instantiated.

    ``Blog(name="x")`` on an abstract ``Blog`` then builds an instance of this subclass, which
    is still ``isinstance(..., Blog)``.
    """
    if not container._meta.abstract:
        return container
    twin = _twins.get(container)
    if twin is None:
        meta = type("Meta", (), {"app_label": container._meta.app_label or "django_backend", "managed": False,
                                 "apps": _twin_apps})
        twin = type(container.__name__, (container,), {"__module__": container.__module__, "Meta": meta,
                                                      "__qualname__": container.__qualname__,
                                                      "__reduce__": _reduce_embedded})
        _twins[container] = twin
        original_new = container.__new__

        def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
            if cls is container:
                cls = twin
            if original_new is object.__new__:
                return object.__new__(cls)
            return original_new(cls, *args, **kwargs)

        container.__new__ = __new__  # type: ignore[method-assign]
    return twin


def _reduce_embedded(instance: Any) -> tuple[Any, tuple[type, Any]]:
    """Pickle and copy an embedded instance through its container: Django's own ``Model.__reduce__``
    looks the class up in the app registry, where the stand-in is not (``setUpTestData`` deep-copies)."""
    return _rebuild_embedded, (type(instance).__mro__[1], instance.__getstate__())


def _rebuild_embedded(container: type, state: dict[str, Any]) -> Any:
    twin = _concrete(container)
    instance = twin.__new__(twin)
    instance.__setstate__(state)
    return instance


def _container_fields(container: type) -> list[Any]:
    return [f for f in container._meta.concrete_fields if not (f.primary_key and f.auto_created)]


class EmbeddedField(models.Field):
    """A sub-document described by a (usually abstract) model: ``EmbeddedField(model_container=Blog)``."""

    description = _("Embedded document")
    empty_strings_allowed = False

    def __init__(self, model_container: type, model_form_class: Any = None, model_form_kwargs: Any = None,
                 *args: Any, **kwargs: Any) -> None:
        self.model_container = model_container
        self.model_form_class = model_form_class
        self.model_form_kwargs = model_form_kwargs or {}
        if isinstance(model_container, type) and issubclass(model_container, models.Model):
            _concrete(model_container)  # from now on Blog(...) works although Blog is abstract
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[Any]:
        errors = super().check(**kwargs)
        if not (isinstance(self.model_container, type) and issubclass(self.model_container, models.Model)):
            errors.append(checks.Error("model_container must be a Model class.", obj=self, id="django_backend.E001"))
        return errors

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["model_container"] = self.model_container
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "EmbeddedField"

    @property
    def sub_fields(self) -> list[Any]:
        return _container_fields(self.model_container)

    def sub_field(self, name: str) -> Optional[Any]:
        for field in self.sub_fields:
            if name in (field.name, field.attname, field.column):
                return field
        return None

    # ------------------------------------------------------------- values

    def make_instance(self, data: dict[str, Any]) -> Any:
        values = {}
        for field in self.sub_fields:
            key = field.column if field.column in data else field.attname if field.attname in data else field.name
            if key in data:
                values[field.attname] = field.to_python(data[key])
        unknown = set(data) - {k for f in self.sub_fields for k in (f.name, f.attname, f.column)}
        if unknown:
            raise exceptions.ValidationError(f"Unknown keys for {self.model_container.__name__}: {sorted(unknown)}")
        return _concrete(self.model_container)(**values)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, self.model_container):
            return value
        if isinstance(value, str):
            value = json.loads(value) if value else None
            if value is None:
                return None
        if isinstance(value, dict):
            return self.make_instance(value)
        raise exceptions.ValidationError(f"Expected a dict or a {self.model_container.__name__}, got {value!r}")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else self.make_instance(value)

    def _document(self, value: Any, prepare: Any) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        instance = self.to_python(value)
        return {field.column: prepare(field, field.value_from_object(instance)) for field in self.sub_fields}

    def get_prep_value(self, value: Any) -> Any:
        return self._document(value, lambda f, v: f.get_prep_value(v))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return self._document(value, lambda f, v: f.get_db_prep_save(v, connection))

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is not None and not isinstance(value, self.model_container):
            value = self.to_python(value)
            setattr(model_instance, self.attname, value)
        if value is None:
            return None
        for field in self.sub_fields:
            field.pre_save(value, add)
        # A dict, not the instance: Django refuses model instances as values of non-relation fields.
        return {field.attname: field.value_from_object(value) for field in self.sub_fields}

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if value is not None:
            self.to_python(value).full_clean(validate_unique=False, validate_constraints=False)

    def value_to_string(self, obj: Any) -> Any:
        document = self.get_prep_value(self.value_from_object(obj))
        return json.loads(json.dumps(document, cls=DjangoJSONEncoder))

    def formfield(self, **kwargs: Any) -> Any:
        return models.Field.formfield(self, **{"form_class": EmbeddedFormField, "model_container": self.model_container,
                                               "model_form_class": self.model_form_class,
                                               "model_form_kwargs": self.model_form_kwargs, **kwargs})

    # ------------------------------------------------------------- queries

    def get_transform(self, name: str) -> Any:
        field = self.sub_field(name)
        if field is not None:
            return EmbeddedKeyTransformFactory(field)
        return super().get_transform(name)


class EmbeddedKeyTransform(Transform):
    """``blog__name``: the sub-field of an embedded document, typed as the container's field."""

    def __init__(self, field: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, output_field=field, **kwargs)
        self.key_name = field.column

    def _keys(self) -> tuple[Any, list[str]]:
        keys = [self.key_name]
        base = self.lhs
        while isinstance(base, EmbeddedKeyTransform):
            keys.insert(0, base.key_name)
            base = base.lhs
        return base, keys

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        base, keys = self._keys()
        return path_sql(compiler, connection, base, keys)

    def get_transform(self, name: str) -> Any:
        return self.output_field.get_transform(name)


class EmbeddedKeyTransformFactory:
    def __init__(self, field: Any) -> None:
        self.field = field

    def __call__(self, *args: Any, **kwargs: Any) -> EmbeddedKeyTransform:
        return EmbeddedKeyTransform(self.field, *args, **kwargs)


class EmbeddedDictLookup(Lookup):
    """Djongo's form: ``blog__startswith={"name": "Beatles"}``, one lookup per key, all must hold."""

    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, models.Model):
            field = self.lhs.output_field
            self.rhs = {f.name: f.value_from_object(self.rhs) for f in field.sub_fields}
        if not isinstance(self.rhs, dict):
            raise ValueError(f"{self.lookup_name} on an embedded field takes a dict of sub-field values.")
        return self.rhs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        from django.db.models.sql.where import AND, WhereNode

        field = self.lhs.output_field
        parts = []
        for key, value in self.rhs.items():
            sub = field.sub_field(key)
            if sub is None:
                raise exceptions.FieldError(f"{field.model_container.__name__} has no field {key!r}")
            transform = EmbeddedKeyTransform(sub, self.lhs)
            lookup_class = sub.get_lookup(self.lookup_name)
            if lookup_class is None:
                raise exceptions.FieldError(f"{sub.__class__.__name__} has no lookup {self.lookup_name!r}")
            if value is None and self.lookup_name == "exact":
                lookup_class, value = builtin_lookups.IsNull, True
            parts.append(lookup_class(transform, value))
        return compiler.compile(WhereNode(parts, AND))


for _name in ("exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
              "gt", "gte", "lt", "lte"):
    EmbeddedField.register_lookup(type(f"Embedded{_name.title()}", (EmbeddedDictLookup,), {"lookup_name": _name}))


class EmbeddedFormField(forms.MultiValueField):
    """The container's fields as one form field; its value is a dict (admin add/change forms)."""

    def __init__(self, model_container: type, model_form_class: Any = None, model_form_kwargs: Any = None,
                 **kwargs: Any) -> None:
        self.model_container = model_container
        if model_form_class is not None:
            # The sub-form's own fields (Djongo's model_form_class), in its order.
            form_fields = dict(model_form_class(**(model_form_kwargs or {})).fields)
        else:
            form_fields = {}
            for model_field in _container_fields(model_container):
                form_field = model_field.formfield()
                if form_field is not None:
                    form_fields[model_field.name] = form_field
        self.names = list(form_fields)
        fields = list(form_fields.values())
        kwargs.pop("max_length", None)
        kwargs.setdefault("widget", EmbeddedWidget([f.widget for f in fields], self.names, model_container))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> Any:
        if not data_list:
            return None
        return dict(zip(self.names, data_list))


class EmbeddedWidget(forms.MultiWidget):
    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, widgets: list[Any], names: list[str], model_container: type) -> None:
        self.names = names
        self.model_container = model_container
        super().__init__(widgets={name: widget for name, widget in zip(names, widgets)})

    def decompress(self, value: Any) -> list[Any]:
        if value is None:
            return [None] * len(self.names)
        if isinstance(value, str):
            value = json.loads(value)
        if isinstance(value, dict):
            return [value.get(name) for name in self.names]
        return [getattr(value, name, None) for name in self.names]


# ----------------------------------------------------------------- arrays


class ArrayField(models.Field):
    """A BSON array of scalars (``base_field``) or of embedded documents (``model_container``)."""

    description = _("Array")
    empty_strings_allowed = False

    def __init__(self, base_field: Any = None, model_container: Any = None, size: Optional[int] = None,
                 *args: Any, **kwargs: Any) -> None:
        if (base_field is None) == (model_container is None):
            raise TypeError("ArrayField takes a base_field or a model_container, not both.")
        self.base_field = base_field
        self.model_container = model_container
        self.size = size
        if model_container is not None:
            self.item_field = EmbeddedField(model_container=model_container)
        else:
            self.item_field = base_field
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def set_attributes_from_name(self, name: str) -> None:
        super().set_attributes_from_name(name)
        self.item_field.set_attributes_from_name(name)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        if self.base_field is not None:
            kwargs["base_field"] = self.base_field.clone()
        else:
            kwargs["model_container"] = self.model_container
        if self.size is not None:
            kwargs["size"] = self.size
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "ArrayField"

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value)
        if value is None:
            return None
        return [self.item_field.to_python(v) for v in value]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if self.model_container is not None:
            return [None if v is None else self.item_field.make_instance(v) for v in value]
        return [self.item_field.to_python(v) for v in value]

    def get_prep_value(self, value: Any) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return [self.item_field.get_prep_value(v) for v in value]

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if self.model_container is not None:
            return [self.item_field.get_db_prep_value(v, connection) for v in value]
        return [self.item_field.get_db_prep_save(v, connection) for v in value]

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if self.size is not None and value is not None and len(value) > self.size:
            raise exceptions.ValidationError(f"List contains {len(value)} items, it should contain no more than {self.size}.")

    def value_to_string(self, obj: Any) -> Any:
        return json.loads(json.dumps(self.get_prep_value(self.value_from_object(obj)), cls=DjangoJSONEncoder))

    def formfield(self, **kwargs: Any) -> Any:
        return models.Field.formfield(self, **{"form_class": forms.JSONField, "encoder": DjangoJSONEncoder, **kwargs})

    def get_transform(self, name: str) -> Any:
        if name.isdigit():
            return ArrayIndexTransformFactory(int(name), self.item_field)
        return super().get_transform(name)


class ArrayIndexTransform(Transform):
    """``tags__0``: one element of an array, typed as the array's items."""

    def __init__(self, index: int, item_field: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, output_field=item_field, **kwargs)
        self.index = index

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return path_sql(compiler, connection, self.lhs, [str(self.index)])


class ArrayIndexTransformFactory:
    def __init__(self, index: int, item_field: Any) -> None:
        self.index, self.item_field = index, item_field

    def __call__(self, *args: Any, **kwargs: Any) -> ArrayIndexTransform:
        return ArrayIndexTransform(self.index, self.item_field, *args, **kwargs)


# ----------------------------------------------------------------- JSON


class JSONField(models.JSONField):
    """Django's JSONField, stored as a native document; ``data__key__sub=...`` queries its keys."""


__all__ = ["ObjectIdField", "ObjectIdAutoField", "EmbeddedField", "ArrayField", "JSONField",
           "EmbeddedFormField", "path_sql"]
