"""Issue 13: every text a person or a client can send is bounded by its schema, so a megabyte of
text is refused with a message naming the field instead of reaching the database."""

from __future__ import annotations

import importlib
import pkgutil
import typing

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import nesa_collab

from ..test_api import bearer

#: Models only ever answered, never read from a request.
ANSWERS = ("Out", "Ref", "Brief", "Created")


def _input_models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.walk_packages(nesa_collab.__path__, "nesa_collab."):
        if not info.name.endswith((".schemas", ".forms")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
                    and not name.endswith(ANSWERS)):
                found[f"{module.__name__}.{name}"] = obj
    return list(found.values())


def _unbounded_strings(annotation, metadata) -> bool:
    """Whether a str somewhere in this annotation has no maximum length."""
    if annotation is str:
        return not any(isinstance(m, annotated_types.MaxLen) for m in metadata)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        # Field(max_length=…) inside Annotated carries its constraints in its own metadata.
        extra = [c for e in extra for c in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return _unbounded_strings(inner, [*metadata, *extra])
    args = typing.get_args(annotation)
    if origin in (list, set, tuple, dict):
        bounded_items = any(isinstance(m, annotated_types.MaxLen) for m in metadata)
        return not bounded_items or any(_unbounded_strings(a, []) for a in args)
    return any(_unbounded_strings(a, metadata) for a in args)


def test_every_text_field_of_every_input_schema_has_a_maximum_length():
    models = _input_models()
    assert len(models) > 30
    unbounded = [f"{m.__module__}.{m.__name__}.{name}" for m in models for name, f in m.model_fields.items()
                 if _unbounded_strings(f.annotation, f.metadata)]
    assert unbounded == []


def test_a_megabyte_of_text_is_refused_naming_the_field(factory, client):
    h = bearer(factory, factory.dpl())
    r = client.post("/api/v1/collaboratives", json={"name": "Math", "kind": "x" * 1_000_000, "slug": "math"},
                    headers=h)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["kind"]
    assert "at most 40 characters" in r.json()["errors"][0]["message"]
