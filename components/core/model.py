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
