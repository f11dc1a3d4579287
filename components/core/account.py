"""An AWS account id as a validated settings type, and the partition a region belongs to."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_ACCOUNT = re.compile(r"^\d{12}$")


def _account(value: object) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ACCOUNT.match(text):
        raise ValueError('must be a 12-digit AWS account id, quoted in YAML (e.g. "012345678901")')
    return text


AwsAccountId = Annotated[str, BeforeValidator(_account)]
"""A 12-digit account id such as ``"123456789012"`` (kept as text: ids may start with 0)."""


def partition_of(region: str) -> str:
    """The partition of ``region``: ``aws-us-gov`` for GovCloud, ``aws-cn`` for China, else ``aws``."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"
