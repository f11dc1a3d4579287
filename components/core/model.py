"""The base class of every spec: frozen, strict about unknown keys, camelCase in stack files."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
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
