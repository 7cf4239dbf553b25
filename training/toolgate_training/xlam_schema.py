"""xlam-60k's flat parameter maps → JSON Schema.

xlam rows describe parameters as `{"city": {"type": "str", "description": ..., "default": ...}}`
with Python-ish type strings ("str", "int, optional", "List[Dict[str, Any]]", "Optional[int]").
The model is served with real JSON Schema tools, so it should be trained on them too.
"""

from __future__ import annotations

import re
from typing import Any

_SCALARS = {
    "str": "string", "string": "string", "text": "string", "date": "string", "datetime": "string",
    "int": "integer", "integer": "integer", "long": "integer",
    "float": "number", "double": "number", "number": "number", "decimal": "number",
    "bool": "boolean", "boolean": "boolean",
    "list": "array", "array": "array", "tuple": "array", "set": "array", "sequence": "array",
    "dict": "object", "object": "object", "mapping": "object", "map": "object",
    "none": "null", "nonetype": "null", "null": "null",
}
_GENERIC = re.compile(r"^\s*([A-Za-z_.]+)\s*\[(.*)\]\s*$", re.DOTALL)
_OPTIONAL_SUFFIX = re.compile(r",?\s*optional\s*$", re.IGNORECASE)


def _split_top_level(inner: str) -> list[str]:
    """Split 'str, Dict[str, int]' on commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p.strip() for p in parts if p.strip()]


def type_to_schema(type_str: str) -> tuple[dict[str, Any], bool]:
    """Return (schema, optional) for one xlam type string. Unknown types give `{}` (any value)."""
    text = type_str.strip()
    optional = False
    if _OPTIONAL_SUFFIX.search(text):
        optional = True
        text = _OPTIONAL_SUFFIX.sub("", text).strip()
    generic = _GENERIC.match(text)
    if generic:
        head, inner = generic.group(1).split(".")[-1].lower(), _split_top_level(generic.group(2))
        if head == "optional":
            schema, _ = type_to_schema(inner[0]) if inner else ({}, False)
            return schema, True
        if head == "union":
            nulls = [x for x in inner if _SCALARS.get(x.lower()) == "null"]
            non_null = [type_to_schema(x)[0] for x in inner if x not in nulls]
            optional = optional or bool(nulls)
            types = [m["type"] for m in non_null if isinstance(m.get("type"), str)]
            if len(non_null) == 1:
                return non_null[0], optional
            return ({"type": sorted(set(types), key=types.index)} if len(types) == len(non_null) else {}), optional
        base = _SCALARS.get(head)
        if base == "array":
            items = type_to_schema(inner[0])[0] if inner and head != "tuple" else {}
            return ({"type": "array", "items": items} if items else {"type": "array"}), optional
        if base == "object":
            values = type_to_schema(inner[1])[0] if len(inner) == 2 else {}
            schema: dict[str, Any] = {"type": "object"}
            if values:
                schema["additionalProperties"] = values
            return schema, optional
        return ({"type": base} if base else {}), optional
    base = _SCALARS.get(text.lower())
    if base == "null":
        return {}, True
    return ({"type": base} if base else {}), optional


def params_to_schema(params: dict[str, Any]) -> dict[str, Any]:
    """Flat xlam parameter map → `{"type": "object", "properties", "required"}`.

    A parameter is required unless it has a `default` or an optional type: xlam marks optional
    parameters exactly that way.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in params.items():
        spec = spec if isinstance(spec, dict) else {"type": str(spec)}
        schema, optional = type_to_schema(str(spec.get("type", "")))
        if spec.get("description"):
            schema["description"] = str(spec["description"])
        if "default" in spec and spec["default"] not in (None, ""):
            schema["default"] = spec["default"]
        properties[name] = schema
        if not optional and "default" not in spec:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def xlam_tool_to_function(tool: dict[str, Any]) -> dict[str, Any]:
    """One xlam tool → an OpenAI function definition `{name, description, parameters}`."""
    if "name" not in tool:
        raise ValueError("xlam tool without a name")
    params = tool.get("parameters") or {}
    if isinstance(params, dict) and params.get("type") == "object" and "properties" in params:
        schema = params  # already JSON Schema (some rows are)
    else:
        schema = params_to_schema(params if isinstance(params, dict) else {})
    return {"name": str(tool["name"]), "description": str(tool.get("description") or ""), "parameters": schema}
