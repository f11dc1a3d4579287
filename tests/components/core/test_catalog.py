"""The kept catalogues accept what the provider publishes and refuse near-misses with a suggestion.

Each case pins an entry checked against a published artifact (named in the catalogue's comment): a real
value is accepted; a near-miss, or a value the artifact shows does not exist, is refused, and where a
close real value exists the message suggests it.
"""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from components.core.catalog.instances import cache_problem, rds_problem, sdk_enums_module
from components.core.catalog.services import (
    atlas_disk_problem,
    atlas_tier_problem,
    eks_version_problem,
    ssl_policy_problem,
)

ACCEPTED: list[tuple[str, object, str]] = [
    # (catalogue, check, value)
    ("rds", rds_problem, "db.t4g.medium"),
    ("rds", rds_problem, "db.m7i.48xlarge"),
    ("rds", rds_problem, "db.r8g.48xlarge"),
    ("rds", rds_problem, "db.r8gd.large"),
    ("rds", rds_problem, "db.m6in.32xlarge"),
    ("rds", rds_problem, "db.r6idn.xlarge"),
    ("rds", rds_problem, "db.x2iedn.xlarge"),
    ("rds", rds_problem, "db.m5d.24xlarge"),
    ("rds", rds_problem, "db.m9g.large"),
    ("rds", rds_problem, "db.r6idn.large"),
    ("rds", rds_problem, "db.x2idn.16xlarge"),
    ("rds", rds_problem, "db.r6g.large"),  # from the SDK enum
    ("cache", cache_problem, "cache.t4g.small"),
    ("cache", cache_problem, "cache.m4.10xlarge"),
    ("cache", cache_problem, "cache.r4.16xlarge"),
    ("cache", cache_problem, "cache.r6gd.xlarge"),
    ("cache", cache_problem, "cache.c7gn.16xlarge"),
    ("cache", cache_problem, "cache.r7g.large"),
    ("cache", cache_problem, "cache.r8g.16xlarge"),
    ("cache", cache_problem, "cache.c8gn.large"),
    ("eks", eks_version_problem, "1.32"),
    ("eks", eks_version_problem, "1.35"),
    ("eks", eks_version_problem, "1.37"),
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"),
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09"),
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09"),
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-TLS-1-0-2015-04"),
    ("atlas", atlas_tier_problem, "M10"),
    ("atlas", atlas_tier_problem, "M300"),
]

REFUSED: list[tuple[str, object, str, str | None]] = [
    # (catalogue, check, value, suggested value or None)
    ("rds", rds_problem, "db.m7i.32xlarge", None),  # m7i has no 32xlarge
    ("rds", rds_problem, "db.r7i.32xlarge", None),
    ("rds", rds_problem, "db.r6g.larg", "db.r6g.large"),
    ("rds", rds_problem, "db.m8g.48xlarg", "db.m8g.48xlarge"),
    ("rds", rds_problem, "db.x2iedn.12xlarge", None),  # x2iedn has no 12xlarge
    ("rds", rds_problem, "db.c6gd.medium", None),  # Multi-AZ DB clusters only, not DB instances
    ("rds", rds_problem, "db.m1.small", None),  # in the SDK enum, deprecated for PostgreSQL
    ("rds", rds_problem, "db.t2.micro", None),
    ("rds", rds_problem, "db.m7i.metal-48xl", None),  # Oracle BYOL only, no PostgreSQL
    ("cache", cache_problem, "cache.r7g.larg", "cache.r7g.large"),
    ("cache", cache_problem, "cache.m4.10xlarg", "cache.m4.10xlarge"),
    ("cache", cache_problem, "cache.r6gd.large", None),  # data tiering starts at xlarge
    ("cache", cache_problem, "cache.t2.micro", None),  # no new cluster on T2
    ("cache", cache_problem, "cache.m5.8xlarge", None),
    ("cache", cache_problem, "cache.m8g.24xlarge", None),
    ("eks", eks_version_problem, "1.31", None),  # extended support ended 2026-11-26
    ("eks", eks_version_problem, "1.29", None),
    ("eks", eks_version_problem, "1.38", None),
    ("eks", eks_version_problem, "v1.34", "1.34"),
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-2015-05", None),  # a Network Load Balancer policy
    ("alb", ssl_policy_problem, "ELBSecurityPolicy-TLS13-1-2-2021-07", "ELBSecurityPolicy-TLS13-1-2-2021-06"),
    (
        "alb",
        ssl_policy_problem,
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-08",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    ),
    ("atlas", atlas_tier_problem, "M400", None),  # Low-CPU only on AWS
    ("atlas", atlas_tier_problem, "M700", None),
    ("atlas", atlas_tier_problem, "M15", None),
    ("atlas", atlas_tier_problem, "m30", None),
]


@pytest.mark.parametrize(("catalogue", "check", "value"), ACCEPTED, ids=[c[2] for c in ACCEPTED])
def test_a_published_value_is_accepted(catalogue, check, value):
    assert check(value) is None


@pytest.mark.parametrize(("catalogue", "check", "value", "suggested"), REFUSED, ids=[c[2] for c in REFUSED])
def test_a_near_miss_or_a_missing_value_is_refused(catalogue, check, value, suggested):
    problem = check(value)
    assert problem is not None
    if suggested is not None:
        assert f"did you mean {suggested}?" in problem


@pytest.mark.parametrize(
    ("tier", "disk", "refused"),
    [
        ("M10", 128, False),
        ("M10", 129, True),
        ("M20", 255, False),
        ("M20", 256, True),  # the table's M20 range ends at 255 GB
        ("M30", 512, False),
        ("M40", 1024, False),
        ("M40", 1025, True),
        ("M50", 4096, False),
        ("M300", 4097, True),
    ],
)
def test_an_atlas_disk_beyond_the_tier_limit_is_refused(tier, disk, refused):
    problem = atlas_disk_problem(tier, disk)
    assert (problem is not None) is refused
    if refused:
        assert f"{tier} takes at most" in problem


@pytest.mark.parametrize("package", ["ec2", "rds"])
def test_the_sdk_enum_read_on_its_own_is_the_one_the_package_exports(package):
    # The services program reads the enum module alone, so as not to import the package's ~180 modules.
    alone = sdk_enums_module(package).InstanceType
    exported = getattr(aws, package).InstanceType
    assert alone is not exported
    assert [(m.name, m.value) for m in alone] == [(m.name, m.value) for m in exported]
    assert len(alone) > 50
