"""An AWS region name as a validated settings type, checked against the provider SDK's region list."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from components.core.catalog.regions import region_problem


def _region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


AwsRegion = Annotated[str, AfterValidator(_region)]
"""A region name such as ``ap-northeast-2`` (``us-gov-west-1`` too)."""
