"""S3 lifecycle rules: what a stack file can say per bucket, checked and rendered (pure, no Pulumi).

:func:`render` turns validated rules into plain data shaped like
``aws.s3.BucketLifecycleConfigurationRuleArgs`` (snake_case keys), which the bucket component converts to
the SDK's argument classes. Golden files in ``tests/components/data/golden`` pin the rendering.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise
from typing import Any

from pydantic import Field, field_validator, model_validator

from components.core.model import Spec


class StorageClass(StrEnum):
    """The storage classes a lifecycle transition can move objects to."""

    STANDARD_IA = "STANDARD_IA"
    ONEZONE_IA = "ONEZONE_IA"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER_IR = "GLACIER_IR"
    GLACIER = "GLACIER"
    DEEP_ARCHIVE = "DEEP_ARCHIVE"


# S3 refuses a transition to the infrequent-access classes before an object is 30 days old.
MIN_TRANSITION_DAYS: dict[StorageClass, int] = {StorageClass.STANDARD_IA: 30, StorageClass.ONEZONE_IA: 30}

# S3 keeps objects at least 30 days in an infrequent-access class before a later transition moves
# them on ("must be 30 days more than" errors; S3 user guide, "Lifecycle transition constraints").
MIN_DAYS_AFTER: dict[StorageClass, int] = {StorageClass.STANDARD_IA: 30, StorageClass.ONEZONE_IA: 30}

# The waterfall S3 supports: an object only moves down it (S3 user guide, "Supported lifecycle
# transitions"); e.g. ONEZONE_IA -> STANDARD_IA or GLACIER -> GLACIER_IR is refused.
WATERFALL: tuple[StorageClass, ...] = (
    StorageClass.STANDARD_IA,
    StorageClass.INTELLIGENT_TIERING,
    StorageClass.ONEZONE_IA,
    StorageClass.GLACIER_IR,
    StorageClass.GLACIER,
    StorageClass.DEEP_ARCHIVE,
)


class TransitionSpec(Spec):
    """Move current objects to ``storage_class`` ``days`` after creation.

    Attributes:
        days: age in days, 0 or more (required).
        storage_class: one of :class:`StorageClass` (required).
    """

    days: int = Field(ge=0)
    storage_class: StorageClass

    @model_validator(mode="after")
    def _minimum_age(self) -> TransitionSpec:
        least = MIN_TRANSITION_DAYS.get(self.storage_class, 0)
        if self.days < least:
            raise ValueError(
                f"S3 moves objects to {self.storage_class.value} no earlier than {least} days; got {self.days}"
            )
        return self


class LifecycleRuleSpec(Spec):
    """One lifecycle rule of a bucket.

    Attributes:
        id: the rule's name, unique in its bucket, 1-255 characters (required).
        enabled: Defaults to on.
        prefix: only objects under this key prefix (e.g. ``tmp/``). Defaults to every object.
        tags: only objects carrying all these tags. Defaults to none.
        transitions: storage-class moves, in increasing age. Defaults to none.
        expiration_days: delete current objects this many days after creation. Defaults to never.
        noncurrent_version_expiration_days: delete versions this many days after they stop being
            current. Defaults to never.
        abort_incomplete_multipart_upload_days: abort unfinished multipart uploads after this many days.
            Defaults to never. S3 refuses it together with a tag filter.
    """

    id: str = Field(min_length=1, max_length=255)
    enabled: bool = True
    prefix: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    transitions: tuple[TransitionSpec, ...] = ()
    expiration_days: int | None = Field(default=None, ge=1)
    noncurrent_version_expiration_days: int | None = Field(default=None, ge=1)
    abort_incomplete_multipart_upload_days: int | None = Field(default=None, ge=1)

    @field_validator("transitions")
    @classmethod
    def _ordered(cls, value: tuple[TransitionSpec, ...]) -> tuple[TransitionSpec, ...]:
        days = [t.days for t in value]
        if days != sorted(set(days)):
            raise ValueError(f"transitions must be in strictly increasing days; got days {days}")
        classes = [t.storage_class for t in value]
        if len(set(classes)) != len(classes):
            raise ValueError("transitions name a storage class twice")
        for earlier, later in pairwise(value):
            if WATERFALL.index(later.storage_class) < WATERFALL.index(earlier.storage_class):
                raise ValueError(
                    f"S3 cannot move objects from {earlier.storage_class.value} back to"
                    f" {later.storage_class.value} (order: {' > '.join(c.value for c in WATERFALL)})"
                )
            gap = MIN_DAYS_AFTER.get(earlier.storage_class, 0)
            if later.days - earlier.days < gap:
                raise ValueError(
                    f"S3 keeps objects {gap} days in {earlier.storage_class.value} before the next transition:"
                    f" {later.storage_class.value} at {later.days} days must be at least {earlier.days + gap}"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LifecycleRuleSpec:
        if not (
            self.transitions
            or self.expiration_days
            or self.noncurrent_version_expiration_days
            or self.abort_incomplete_multipart_upload_days
        ):
            raise ValueError(f"rule {self.id!r} has no action (transition, expiration or abort)")
        if self.expiration_days is not None:
            late = [t for t in self.transitions if t.days >= self.expiration_days]
            if late:
                raise ValueError(
                    f"rule {self.id!r}: transition at {late[0].days} days is not before expiration at"
                    f" {self.expiration_days} days"
                )
        if self.tags and self.abort_incomplete_multipart_upload_days is not None:
            raise ValueError(
                f"rule {self.id!r}: S3 cannot abort incomplete uploads in a rule filtered by tags"
            )
        return self


def unique_ids(rules: tuple[LifecycleRuleSpec, ...]) -> tuple[LifecycleRuleSpec, ...]:
    """``rules`` unchanged, or a ``ValueError`` naming the ids used twice."""
    ids = [rule.id for rule in rules]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"lifecycle rule id(s) used twice: {', '.join(twice)}")
    return rules


def _filter(rule: LifecycleRuleSpec) -> dict[str, Any]:
    """An S3 filter: empty (every object), one prefix, one tag, or ``and_`` of several conditions."""
    tags = dict(sorted(rule.tags.items()))
    if (rule.prefix is not None and tags) or len(tags) > 1:
        combined: dict[str, Any] = {"tags": tags}
        if rule.prefix is not None:
            combined["prefix"] = rule.prefix
        return {"and_": combined}
    if tags:
        ((key, value),) = tags.items()
        return {"tag": {"key": key, "value": value}}
    if rule.prefix is not None:
        return {"prefix": rule.prefix}
    return {}


def render_rule(rule: LifecycleRuleSpec) -> dict[str, Any]:
    """One rule as ``BucketLifecycleConfigurationRuleArgs`` keyword arguments (absent actions omitted)."""
    rendered: dict[str, Any] = {
        "id": rule.id,
        "status": "Enabled" if rule.enabled else "Disabled",
        "filter": _filter(rule),
    }
    if rule.transitions:
        rendered["transitions"] = [
            {"days": t.days, "storage_class": t.storage_class.value} for t in rule.transitions
        ]
    if rule.expiration_days is not None:
        rendered["expiration"] = {"days": rule.expiration_days}
    if rule.noncurrent_version_expiration_days is not None:
        rendered["noncurrent_version_expiration"] = {
            "noncurrent_days": rule.noncurrent_version_expiration_days
        }
    if rule.abort_incomplete_multipart_upload_days is not None:
        rendered["abort_incomplete_multipart_upload"] = {
            "days_after_initiation": rule.abort_incomplete_multipart_upload_days
        }
    return rendered


def render(rules: tuple[LifecycleRuleSpec, ...]) -> list[dict[str, Any]]:
    """Every rule of a bucket, in the order the stack file lists them."""
    return [render_rule(rule) for rule in rules]
