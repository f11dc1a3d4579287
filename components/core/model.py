"""The base class of every spec: frozen, strict about unknown keys, camelCase in stack files."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, ValidationInfo
from pydantic.alias_generators import to_camel


class Spec(BaseModel):
    """A frozen, validated block of stack configuration.

    Field names are snake_case in Python and camelCase in the stack files (``backupRetentionDays``).
    Unknown keys are rejected so that a typo never passes silently.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
        validate_default=True,
    )


def as_written(model: type[BaseModel], value: object, info: ValidationInfo) -> object:
    """For a ``mode="before"`` validator that hands a mapping on to ``model``: in the loader's strict JSON
    validation, validate it here the same way (strict, from JSON). Pydantic validates what a before
    validator returns as Python input, where strict mode refuses a list for a tuple; the loader's
    strictness (no text or boolean taken as a number) is kept, and the errors keep their key paths.
    """
    if info.mode == "json" and isinstance(value, dict):
        return model.model_validate_json(json.dumps(value), strict=True)
    return value


class KeyedError(ValueError):
    """A model validator's error about one of the model's keys (a value that conflicts with another).

    Pydantic reports a model validator's error at the model itself (``platform:atlas``, with the whole
    mapping as the value received); raising this instead makes the loader name the key as written in the
    file (``platform:atlas.database``) and the value at that key.

    Args:
        key: the key, camelCase as in the stack file (a dotted path below the model for a nested one).
        message: what is wrong and what is allowed.
        value: the value received at ``key``.
    """

    def __init__(self, key: str, message: str, value: object) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
