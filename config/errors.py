"""Turning validation failures into one message a person can act on.

Every problem in a file is reported together, each naming the file, the environment, the
field path, the bad value and what is allowed. No traceback ever reaches the user.
"""

from __future__ import annotations

import contextvars
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError, ValidatorFunctionWrapHandler, model_validator
from pydantic_core import InitErrorDetails

from config.patterns import PATTERN_WORDS


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    field: str
    message: str
    value: Any = None
    has_value: bool = False

    def render(self) -> str:
        shown = f" (got {_show(self.value)})" if self.has_value else ""
        where = self.field or "<file>"
        return f"{where}: {self.message}{shown}"


class ProblemsError(ValueError):
    """Raised by a model validator that found several problems in one model.

    Pydantic keeps the exception object in the error context, so the formatter can
    expand it into one line per problem, each under its own sub-field.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.render() for p in problems))
        self.problems = problems


class ConfigError(Exception):
    """The configuration cannot be used. `str()` is the complete report for the user."""

    def __init__(self, source: str, environment: str | None, problems: list[Problem]) -> None:
        self.source = source
        self.environment = environment
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        env = f" (environment '{self.environment}')" if self.environment else ""
        count = len(self.problems)
        head = f"berth: invalid configuration in {self.source}{env}: {count} problem{'s' * (count != 1)}"
        return "\n".join([head, *(f"  - {p.render()}" for p in self.problems)])


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at `loc`, to list its allowed fields."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        model = _innermost_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _innermost_model(annotation: Any) -> Any:
    """Unwrap Optional[...], tuple[X, ...] and dict[str, X] to the model class X, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _innermost_model(arg)
        if found is not None:
            return found
    return None


def problems_from(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Flatten a pydantic ValidationError into Problems with readable messages."""
    problems: list[Problem] = []
    errors = error.errors()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "too_short" and any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in errors):
            continue  # pydantic counts only the items that validated; the items' own errors say more
        kind = err["type"]
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        if isinstance(original, ProblemsError):
            base = _path(loc)
            for p in original.problems:
                field = f"{base}.{p.field}" if base and p.field else (base or p.field)
                problems.append(Problem(field, p.message, p.value, p.has_value))
            continue
        if kind == "extra_forbidden":
            owner = _model_at(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            name = str(loc[-1])
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(_path(loc), f"unknown field{hint} Allowed fields: {', '.join(allowed)}"))
            continue
        if kind == "missing":
            problems.append(Problem(_path(loc), "required field is missing"))
            continue
        message = err["msg"]
        if kind == "string_pattern_mismatch":
            words = PATTERN_WORDS.get(str(ctx.get("pattern")))
            message = f"expected {words}" if words else "does not have the expected form"
        if kind == "value_error" and message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(_path(loc), message, err.get("input"), True))
    return problems


def relative(path: Path) -> str:
    """Show a path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def name_list_items(field: str, data: Any) -> str:
    """`ecs.services[0].task` -> `ecs.services[web].task`: list items that have a name are
    named by it, as the file's author knows them; the others keep their position."""
    out = ""
    for match in _PATH_PART.finditer(field):
        key, index = match.groups()
        if key is not None:
            out += f".{key}" if out else key
            data = data.get(key) if isinstance(data, dict) else None
            continue
        i = int(index)
        item = data[i] if isinstance(data, list) and i < len(data) else None
        name = item.get("name") if isinstance(item, dict) else None
        out += f"[{name}]" if isinstance(name, str) and name else f"[{i}]"
        data = item
    return out


def with_named_items(problems: list[Problem], data: Any) -> list[Problem]:
    return [Problem(name_list_items(p.field, data), p.message, p.value, p.has_value) for p in problems]


# True while a model's checks run on a partial model (config.errors.CrossCheckedModel).
_PARTIAL: contextvars.ContextVar[bool] = contextvars.ContextVar("berth_partial_model", default=False)


def run_checks(model: Any, *checks: Callable[[Any], list[Problem]]) -> None:
    """Run each check on `model` and raise one ProblemsError with all they found. On a partial
    model a check that needs a field that failed (AttributeError) is skipped, not the others."""
    problems: list[Problem] = []
    for check in checks:
        try:
            problems += check(model)
        except AttributeError:
            if not _PARTIAL.get():
                raise
    if problems:
        raise ProblemsError(problems)


class CrossCheckedModel(BaseModel):
    """A model whose cross-field checks run even when one of its fields is wrong.

    pydantic runs a model's `mode="after"` validators only once every field has validated,
    so a typo in one field would hide, say, "more NAT gateways than zones" until the typo is
    fixed. Here, when fields fail, each after-validator runs on a partial model built from the
    fields that did validate; a check that needs a failed field is skipped (it raises), and
    the problems of the others join the field errors in one report.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _cross_checks_despite_field_errors(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            extra = _partial_cross_checks(cls, data, exc)
            if not extra:
                raise
            details = [
                InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], **({"ctx": e["ctx"]} if "ctx" in e else {}))
                for e in exc.errors()
            ]
            raise ValidationError.from_exception_data(exc.title, [*details, *extra]) from None


def _partial_cross_checks(cls: type[BaseModel], data: Any, exc: ValidationError) -> list[InitErrorDetails]:
    errors = exc.errors()
    failed = {e["loc"][0] for e in errors if e["loc"] and e["loc"][0] in cls.model_fields}
    if not isinstance(data, dict) or not failed or any(not e["loc"] for e in errors):
        return []  # nothing failed at this level, or the checks themselves already ran and failed
    good: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if name in failed:
            continue
        if name not in data:
            if not field.is_required():
                good[name] = field.get_default(call_default_factory=True)
            continue
        try:
            good[name] = TypeAdapter(field.annotation).validate_python(data[name])
        except ValidationError:
            continue
    partial = cls.model_construct(**good)
    for name in failed:  # not its default: a check that reads a failed field must be skipped, not misled
        partial.__dict__.pop(name, None)
    found: list[InitErrorDetails] = []
    token = _PARTIAL.set(True)
    try:
        for decorator in cls.__pydantic_decorators__.model_validators.values():
            if decorator.info.mode != "after":
                continue
            try:
                decorator.func(partial)
            except ValueError as problem:  # ProblemsError included
                found.append(InitErrorDetails(type="value_error", loc=(), input=data, ctx={"error": problem}))
            except Exception:  # the check needs a field that failed (or trips on a partial model): skipped
                continue
    finally:
        _PARTIAL.reset(token)
    return found


def range_problems(model: object, low: str, high: str, prefix: str = "") -> list[Problem]:
    """The one min/max check: `low` above `high` on `model` is a problem named at `prefix + low`."""
    low_value, high_value = getattr(model, low), getattr(model, high)
    if low_value <= high_value:
        return []
    return [Problem(f"{prefix}{low}", f"{low} ({low_value}) is greater than {high} ({high_value})")]


def duplicate_names(field: str, kind: str, names: list[str]) -> list[Problem]:
    """The one duplicate-name check: each name used more than once, once, at `field`."""
    return [Problem(field, f"{kind} name '{name}' is used more than once") for name in sorted({n for n in names if names.count(n) > 1})]
