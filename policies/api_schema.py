"""OpenAPI schema hook: dimension and value slugs, which are data, become enums."""

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
