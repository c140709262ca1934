"""A pydantic parameter model as Markdown table rows: each field's dotted path, type, default,
constraints (with its validator's ``json_schema_extra["checks"]``) and its description, which
is required: the model is the one home of a parameter's meaning."""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types as at
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

HEADER = ["| parameter | type | default | constraints | meaning |", "|---|---|---|---|---|"]


# ---- types, constraints and values as text ------------------------------------------------


def constraints_text(metadata: list) -> str:
    flat = []
    for item in metadata:
        flat += item.metadata if isinstance(item, FieldInfo) else [item]
    low = [(f"{m.gt} <", f"x > {m.gt}") for m in flat if isinstance(m, at.Gt)]
    low += [(f"{m.ge} ≤", f"x ≥ {m.ge}") for m in flat if isinstance(m, at.Ge)]
    high = [f"< {m.lt}" for m in flat if isinstance(m, at.Lt)]
    high += [f"≤ {m.le}" for m in flat if isinstance(m, at.Le)]
    if low and high:
        parts = [f"{low[0][0]} x {high[0]}"]
    else:
        parts = [low[0][1]] if low else [f"x {high[0]}"] if high else []
    for m in flat:
        if isinstance(m, at.MinLen):
            parts.append(f"at least {m.min_length} item" + ("s" if m.min_length > 1 else ""))
    return ", ".join(parts)


def type_text(kind: Any) -> str:
    """A type as a writer of YAML would put it."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is type(None):
        return "null"
    if origin is Annotated:
        bounds = constraints_text(list(args[1:]))
        return type_text(args[0]) + (f" ({bounds})" if bounds else "")
    if origin is Literal:
        return ("one of " if len(args) > 1 else "") + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        some = " or ".join(type_text(a) for a in args if a is not type(None))
        return some + (", or null" if type(None) in args else "")
    if origin is list and get_origin(args[0]) is Literal:
        return "list of items from " + ", ".join(f"`{a}`" for a in get_args(args[0]))
    if origin is list:
        element = type_text(args[0])
        return f"list of ({element})" if " or " in element else f"list of {element}"
    if origin is tuple:
        return "pair [" + ", ".join(type_text(a) for a in args) + "]"
    if origin is dict:
        return f"map of ({type_text(args[0])}) to {type_text(args[1])}"
    if is_model(kind):
        return f"`{kind.__name__}`"
    return getattr(kind, "__name__", str(kind))


def value_text(value: Any) -> str:
    """A value as YAML writes it, on one line."""
    if isinstance(value, tuple):
        value = list(value)
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return dumped.removesuffix("...").strip()


def is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def model_of(kind: Any):
    """The model of a field typed ``Model`` or ``Model | None``; None for any other field."""
    if is_model(kind):
        return kind
    members = [a for a in get_args(kind) if a is not type(None)]
    return members[0] if len(members) == 1 and is_model(members[0]) else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def docstring_text(obj: Any) -> str:
    first = " ".join((inspect.getdoc(obj) or "").split("\n\n")[0].split())
    return first.replace("``", "`")


# ---- the walk over a model ----------------------------------------------------------------


def _meaning(path: str, field: FieldInfo) -> str:
    """The field's description, as a sentence; a field without one is an error."""
    if not field.description:
        raise KeyError(f"{path} has no description: give its Field one, in synthbalance.config")
    description = re.sub(r"\bNone\b", "`null`", field.description)
    return description[0].upper() + description[1:].rstrip(".") + "."


def _checks(field: FieldInfo) -> str:
    """Its bounds, and what its validator checks beyond them."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return ", ".join(c for c in [constraints_text(field.metadata), extra.get("checks", "")] if c)


def _default(field: FieldInfo, instance: Any, name: str) -> str:
    if instance is not None:
        return f"`{value_text(getattr(instance, name))}`"
    if field.is_required():
        return "required"
    return f"`{value_text(field.get_default(call_default_factory=True))}`"


def _union_tables(field: FieldInfo, here: str) -> list:
    """[(title, text, rows)]: one table per member of a discriminated union."""
    tables = []
    for member in get_args(field.annotation):
        tag = get_args(member.model_fields[field.discriminator].annotation)[0]
        rows, _ = walk(member, here, None)
        title = f"`{here}` with `{field.discriminator}: {tag}`"
        tables.append((title, docstring_text(member), rows))
    return tables


def walk(model, path: str, instance: Any):
    """(the rows of ``model``'s table, [(title, text, rows)] of its unions' sub-tables)."""
    rows, tables = [], []
    for name, field in model.model_fields.items():
        here, checks = f"{path}.{name}", _checks(field)
        inner = getattr(instance, name) if instance is not None else None
        if field.discriminator:
            default = f"`{getattr(inner, field.discriminator)}` profile" if inner else "required"
            rows.append(
                table_row(
                    f"`{here}`",
                    f"a profile, chosen by `{field.discriminator}`",
                    default,
                    checks,
                    _meaning(here, field),
                )
            )
            tables += _union_tables(field, here)
        elif model_of(field.annotation) is not None:
            default = "" if inner is not None or instance is None else "`null`"
            rows.append(
                table_row(
                    f"`{here}`", type_text(field.annotation), default, checks, _meaning(here, field)
                )
            )
            sub_rows, sub_tables = walk(model_of(field.annotation), here, inner)
            rows, tables = rows + sub_rows, tables + sub_tables
        else:
            rows.append(
                table_row(
                    f"`{here}`",
                    type_text(field.annotation),
                    _default(field, instance, name),
                    checks,
                    _meaning(here, field),
                )
            )
    return rows, tables
