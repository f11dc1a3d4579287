"""EC2 instance types, RDS instance classes and ElastiCache node types.

EC2: ``pulumi_aws.ec2.InstanceType`` (the provider SDK's enum, 1400+ types). RDS: the SDK's
``pulumi_aws.rds.InstanceType`` is incomplete (it stops at the 6th generation's ``db.r6g``/``db.m6g``), so
the classes of the current families are added from the RDS user guide "DB instance classes" and
"Supported DB engines for DB instance classes" (PostgreSQL column), read 2026-11-30. ElastiCache has no
SDK enum: the list is the ElastiCache user guide's "Supported node types", read 2026-11-30.
"""

from __future__ import annotations

import re

import pulumi_aws as aws

from components.core.catalog import suggestion

EC2_INSTANCE_TYPES: frozenset[str] = frozenset(t.value for t in aws.ec2.InstanceType)

_SIZES_BURST = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_SIZES_GRAVITON = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_SIZES_INTEL = (
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "32xlarge",
)

# RDS for PostgreSQL families newer than the SDK enum (RDS user guide, read 2026-11-30).
_RDS_EXTRA: dict[str, tuple[str, ...]] = {
    "db.t4g": _SIZES_BURST,
    "db.m6g": _SIZES_GRAVITON,
    "db.m6gd": _SIZES_GRAVITON,
    "db.m6i": _SIZES_INTEL,
    "db.m6id": _SIZES_INTEL,
    "db.m7g": _SIZES_GRAVITON,
    "db.m7i": (*_SIZES_INTEL, "48xlarge"),
    "db.m8g": (*_SIZES_GRAVITON, "24xlarge", "48xlarge"),
    "db.r6g": _SIZES_GRAVITON,
    "db.r6gd": _SIZES_GRAVITON,
    "db.r6i": _SIZES_INTEL,
    "db.r6id": _SIZES_INTEL,
    "db.r7g": _SIZES_GRAVITON,
    "db.r7i": (*_SIZES_INTEL, "48xlarge"),
    "db.r8g": (*_SIZES_GRAVITON, "24xlarge", "48xlarge"),
    "db.x2g": _SIZES_GRAVITON,
    "db.c6gd": ("medium", *_SIZES_GRAVITON),
}
RDS_INSTANCE_CLASSES: frozenset[str] = frozenset(t.value for t in aws.rds.InstanceType) | frozenset(
    f"{family}.{size}" for family, sizes in _RDS_EXTRA.items() for size in sizes
)

# ElastiCache "Supported node types" (ElastiCache user guide, read 2026-11-30).
_CACHE_FAMILIES: dict[str, tuple[str, ...]] = {
    "cache.t3": ("micro", "small", "medium"),
    "cache.t4g": ("micro", "small", "medium"),
    "cache.m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "cache.m6g": _SIZES_GRAVITON,
    "cache.m7g": _SIZES_GRAVITON,
    "cache.r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "cache.r6g": _SIZES_GRAVITON,
    "cache.r6gd": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "cache.r7g": _SIZES_GRAVITON,
    "cache.c7gn": _SIZES_GRAVITON,
}
CACHE_NODE_TYPES: frozenset[str] = frozenset(
    f"{family}.{size}" for family, sizes in _CACHE_FAMILIES.items() for size in sizes
)

# Graviton (arm64) families carry a "g" right after the generation digit (m6g, c7gn, r8gd, t4g, x2gd),
# plus the first-generation a1; everything else runs x86_64.
_ARM64_FAMILY = re.compile(r"(a1|[a-z]+\d+g[a-z]*)")


def architecture(instance_type: str) -> str:
    """``arm64`` or ``x86_64``: the CPU architecture of an EC2 instance type."""
    family = instance_type.split(".", 1)[0]
    return "arm64" if _ARM64_FAMILY.fullmatch(family) else "x86_64"


def ec2_problem(value: str) -> str | None:
    if value in EC2_INSTANCE_TYPES:
        return None
    return f"{value!r} is not an EC2 instance type{suggestion(value, EC2_INSTANCE_TYPES)}"


def rds_problem(value: str) -> str | None:
    if value in RDS_INSTANCE_CLASSES:
        return None
    return f"must be an RDS instance class such as db.t4g.medium or db.r6g.large{suggestion(value, RDS_INSTANCE_CLASSES)}"


def cache_problem(value: str) -> str | None:
    if value in CACHE_NODE_TYPES:
        return None
    return f"must be an ElastiCache node type such as cache.t4g.small or cache.r7g.large{suggestion(value, CACHE_NODE_TYPES)}"
