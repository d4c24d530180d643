"""A small Table Schema (frictionlessdata.io) validator for the tests: header, required fields,
types, patterns, enums, lengths, bounds and unique values, row by row.

It refuses what it does not know (a type, a format or a constraint it cannot check), so that a
new version of a schema cannot pass unchecked.
"""

import csv
import datetime
import io
import json
import re
from pathlib import Path

STANDARDS = Path(__file__).parent / "standards"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
INTEGER = re.compile(r"[+-]?\d+")
KNOWN_CONSTRAINTS = {
    "required",
    "unique",
    "pattern",
    "enum",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
}


def load_schema(name: str) -> dict:
    return json.loads((STANDARDS / name / "schema.json").read_text(encoding="utf-8"))


def _typed(field: dict, value: str):
    """The value read as the field's type, or raise ValueError."""
    kind, format_ = field.get("type", "string"), field.get("format", "default")
    if kind == "string" and format_ == "default":
        return value
    if kind == "number" and format_ == "default" and NUMBER.fullmatch(value):
        return float(value)
    if kind == "integer" and format_ == "default" and INTEGER.fullmatch(value):
        return int(value)
    if kind == "date" and format_ == "default" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.date.fromisoformat(value)
    if kind not in {"string", "number", "integer", "date"} or format_ != "default":
        raise AssertionError(f"type {kind}/{format_} not supported by this validator")
    raise ValueError


def validate_csv(text: str, schema: dict) -> list[str]:
    """Every error of the CSV `text` against `schema` (an empty list when it is valid)."""
    fields = schema["fields"]
    names = [field["name"] for field in fields]
    for field in fields:
        unknown = set(field.get("constraints", {})) - KNOWN_CONSTRAINTS
        assert not unknown, f"constraints {unknown} not supported by this validator"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return ["the file is empty (no header row)"]
    errors = []
    if rows[0] != names:
        errors.append(f"header {rows[0]} is not the schema's fields {names}")
    unique = {
        field["name"]: set() for field in fields if field.get("constraints", {}).get("unique")
    }
    primary_key = schema.get("primaryKey", [])
    for name in [primary_key] if isinstance(primary_key, str) else primary_key:
        unique.setdefault(name, set())
    for line, values in enumerate(rows[1:], start=2):
        if len(values) != len(names):
            errors.append(f"line {line}: {len(values)} cells, {len(names)} expected")
            continue
        for field, value in zip(fields, values, strict=True):
            errors += [f"line {line}, {field['name']}: {e}" for e in _check(field, value, unique)]
    return errors


def _check(field: dict, value: str, unique: dict[str, set]) -> list[str]:
    constraints = field.get("constraints", {})
    if value == "":  # Table Schema's default missing value
        return ["required, but empty"] if constraints.get("required") else []
    try:
        typed = _typed(field, value)
    except ValueError:
        return [f"{value!r} is not a {field.get('type', 'string')}"]
    errors = []
    pattern = constraints.get("pattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        errors.append(f"{value!r} does not match {pattern}")
    if "enum" in constraints and value not in constraints["enum"]:
        errors.append(f"{value!r} is not one of {constraints['enum']}")
    if "minLength" in constraints and len(value) < constraints["minLength"]:
        errors.append(f"shorter than {constraints['minLength']}")
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        errors.append(f"{len(value)} characters, at most {constraints['maxLength']}")
    if "minimum" in constraints and typed < constraints["minimum"]:
        errors.append(f"{value} is below {constraints['minimum']}")
    if "maximum" in constraints and typed > constraints["maximum"]:
        errors.append(f"{value} is above {constraints['maximum']}")
    if field["name"] in unique:
        if value in unique[field["name"]]:
            errors.append(f"{value!r} is not unique")
        unique[field["name"]].add(value)
    return errors
