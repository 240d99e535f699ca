"""OpenAPI schema hooks: dimension and value slugs, which are data, become enums; every
operation documents the error responses every endpoint can give."""

from django.db.utils import DatabaseError

from policies.models import Dimension, DimensionValue

DIMENSION_PARAMETERS = {"dimension"}
VALUE_PARAMETERS = {"value", "at_least", "at_most"}


def codebook_enums(result, generator, request, public):
    try:
        dimensions = sorted(Dimension.objects.values_list("slug", flat=True))
        values = sorted(set(DimensionValue.objects.values_list("slug", flat=True)))
    except DatabaseError:  # no database yet (e.g. building the schema offline)
        return result
    if not dimensions:
        return result
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                name = parameter["name"]
                if name in DIMENSION_PARAMETERS:
                    parameter["schema"] = {"type": "string", "enum": dimensions}
                elif name in VALUE_PARAMETERS:
                    extra = ["unknown"] if name == "value" and path.endswith("/positions/") else []
                    parameter["schema"] = {"type": "string", "enum": values + extra}
    return result


ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What was wrong, in words."},
        "errors": {
            "type": "object",
            "description": "Messages keyed by the query parameter at fault.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
ERRORS = {
    "400": "A query parameter is invalid; `errors` names it and says what is allowed.",
    "404": "No such object, or a page past the last.",
    "429": "Too many requests from this client; retry after the Retry-After header's seconds.",
}


def error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
