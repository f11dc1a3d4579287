"""AWS regions, from the provider SDK's own enum (``pulumi_aws.Region``)."""

from __future__ import annotations

import pulumi_aws as aws

from components.core.catalog import suggestion

REGIONS: frozenset[str] = frozenset(r.value for r in aws.Region)


def region_problem(value: str) -> str | None:
    """Why ``value`` is not an AWS region, or ``None``."""
    if value in REGIONS:
        return None
    return f"must be an AWS region such as ap-northeast-2{suggestion(value, REGIONS)}"
