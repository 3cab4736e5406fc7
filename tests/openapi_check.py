"""Validate real API responses against the served OpenAPI description (JSON Schema 2020-12)."""

from __future__ import annotations

from functools import lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from search.web.openapi import openapi_document


@lru_cache(maxsize=1)
def spec() -> dict:
    return openapi_document()


@lru_cache(maxsize=16)
def validator(schema_name: str) -> Draft202012Validator:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{schema_name}"}, registry=registry)


def check(schema_name: str, data: object) -> None:
    """Raise ``jsonschema.ValidationError`` when ``data`` does not match the named schema."""
    validator(schema_name).validate(data)
