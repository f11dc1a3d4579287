"""An AWS region name as a validated settings type."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError("must be an AWS region name such as ap-northeast-2")
    return value


AwsRegion = Annotated[str, AfterValidator(_region)]
"""A region name such as ``ap-northeast-2`` (``us-gov-west-1`` too)."""
