"""Review environments: a short-lived services stack per pull request on the dev platform (pure, no Pulumi).

A pull request labelled for it gets a services stack ``pr-<number>``. Everything about it derives from
that one name: its namespace (``pr-<number>``), its Atlas slot on the shared dev clusters (the dev
environment ``pr-<number>`` of ``platform:atlas.shared``, allocated first-freed-first-reused by
``components.data.slots``) and its host names (``api.dev.example.com`` -> ``api-pr-<number>.dev.example.com``,
one more label inside the dev zone, so the dev wildcard certificate still covers it).

The policy (which label, how many at once, how long they live) is ``services:review`` of the base services
stack file (the dev one); a review stack's own file says only which base it copies, which pull request it
serves and when it expires (``services:reviewEnvironment``), and is written by ``python -m tools env add``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import Field, field_validator

from components.core.model import Spec

PREFIX = "pr-"
REVIEW_NAME = re.compile(r"^pr-([1-9][0-9]{0,6})$")
"""``pr-<number>``: at most 10 characters, so ``env-pr-1234567`` and ``platform-dev-mongo-env-pr-…`` fit
the Atlas and IAM name limits the dev environments already obey (``atlas_spec.ENV_NAME``: 20)."""
_LABEL = re.compile(r"^[^\s,][^,]{0,49}$")
DNS_LABEL_MAX = 63


class ReviewError(ValueError):
    """A review environment that cannot be created or named; the message names the setting."""


class ReviewSpec(Spec):
    """``services:review`` of the base (dev) services stack: the review environments' policy.

    Attributes:
        label: the pull-request label that asks for an environment (GitHub labels: 1-50 characters, no
            comma). Defaults to ``review-env``.
        max_environments: how many review environments may exist at once (each holds an Atlas slot and
            runs every service once), 1-20. Defaults to 3.
        ttl_hours: how long one lives after its last deploy before the scheduled sweep destroys it,
            1-336 (two weeks). Defaults to 72.
    """

    label: str = "review-env"
    max_environments: int = Field(default=3, ge=1, le=20)
    ttl_hours: int = Field(default=72, ge=1, le=336)

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not _LABEL.fullmatch(value) or value != value.strip():
            raise ValueError("must be a GitHub label: 1-50 characters, no comma, no surrounding spaces")
        return value


class ReviewEnvironmentSpec(Spec):
    """``services:reviewEnvironment`` of a review stack's file (written by ``python -m tools env add``).

    Attributes:
        base: the services stack whose services it runs, on the platform stack of that name (required).
        pull_request: the pull request's number (required); the stack is ``pr-<number>``.
        expires_at: when the sweep destroys it (UTC, ISO 8601; required). ``env add`` sets it to now
            plus the base's ``review.ttlHours``; a new deploy of the pull request pushes it back.
    """

    base: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    pull_request: int = Field(ge=1, le=9_999_999)
    expires_at: datetime

    @field_validator("expires_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must name its time zone (e.g. 2026-12-09T20:00:00Z)")
        return value.astimezone(UTC)


def stack_name(pull_request: int) -> str:
    """The review stack (and namespace, and dev environment) of pull request ``pull_request``."""
    name = f"{PREFIX}{pull_request}"
    if not REVIEW_NAME.fullmatch(name):
        raise ReviewError(f"pull request number must be 1-9999999, got {pull_request}")
    return name


def pull_request_of(name: str) -> int | None:
    """The pull request a review name serves, or None when ``name`` is not ``pr-<number>``."""
    match = REVIEW_NAME.fullmatch(name)
    return int(match.group(1)) if match else None


def is_review(name: str) -> bool:
    return pull_request_of(name) is not None


def review_names(environments: Iterable[str]) -> tuple[str, ...]:
    """The review environments among dev environment names, in their recorded order."""
    return tuple(name for name in environments if is_review(name))


def review_host(host: str, name: str) -> str:
    """``api.dev.example.com`` -> ``api-pr-12.dev.example.com``: the first label gets the suffix, so the
    host stays one label under the dev zone (its wildcard certificate covers it, external-dns writes it).

    Raises:
        ReviewError: the first label would exceed DNS's 63 characters.
    """
    first, _, rest = host.partition(".")
    label = f"{first}-{name}"
    if len(label) > DNS_LABEL_MAX:
        raise ReviewError(f"host {host!r}: {label!r} is longer than {DNS_LABEL_MAX} characters")
    return f"{label}.{rest}" if rest else label


def expiry(now: datetime, ttl_hours: int) -> datetime:
    """When an environment deployed at ``now`` expires (whole seconds, UTC)."""
    return (now.astimezone(UTC) + timedelta(hours=ttl_hours)).replace(microsecond=0)


def expired(expires_at: datetime, now: datetime) -> bool:
    return now.astimezone(UTC) >= expires_at.astimezone(UTC)


def quota_problem(existing: list[str], name: str, policy: ReviewSpec) -> str | None:
    """Why ``name`` may not be added next to the review environments ``existing``, or None."""
    others = sorted({e for e in existing if is_review(e) and e != name})
    if len(others) >= policy.max_environments:
        return (
            f"services:review.maxEnvironments is {policy.max_environments} and {len(others)} review"
            f" environment(s) exist ({', '.join(others)}): close one, or raise the quota"
        )
    return None
