"""Common tags: every taggable AWS resource carries them through the provider's ``default_tags``."""

from __future__ import annotations

import re
from collections.abc import Mapping

_RESERVED_PREFIX = "aws:"
_KEY_MAX = 128
_VALUE_MAX = 256
_ALLOWED = re.compile(r"[\w +\-=._:/@]*")


TIER_TAG = "tier"
"""The tag that says which tier's rules a resource stands under; the policy pack reads it (never the
stack's name, which need not be the tier's: a ``prod-euw1`` stack is prod)."""


def common_tags(
    project: str, environment: str, extra: Mapping[str, str], tier: str | None = None
) -> dict[str, str]:
    """The tags every resource of an environment carries (``tier`` where the stack has one).

    The fixed tags win over ``extra``: a stack file cannot relabel a resource's environment or tier.
    """
    fixed = {"project": project, "environment": environment, "managed-by": "pulumi"}
    return {**extra, **fixed, **({TIER_TAG: tier} if tier else {})}


def tag_problems(tags: Mapping[str, str]) -> list[str]:
    """Why each tag in ``tags`` would be refused by AWS, as readable sentences (empty when all are fine)."""
    problems = []
    for key, value in tags.items():
        if not key or len(key) > _KEY_MAX:
            problems.append(f"tag key {key!r} must be 1-{_KEY_MAX} characters")
        if key.lower().startswith(_RESERVED_PREFIX):
            problems.append(f"tag key {key!r} must not start with 'aws:' (reserved by AWS)")
        if len(value) > _VALUE_MAX:
            problems.append(f"tag {key!r} value must be at most {_VALUE_MAX} characters")
        if not _ALLOWED.fullmatch(key) or not _ALLOWED.fullmatch(value):
            problems.append(
                f"tag {key!r}={value!r} uses characters AWS does not allow (letters, digits, spaces and + - = . _ : / @)"
            )
    return problems
