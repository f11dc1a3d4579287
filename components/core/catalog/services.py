"""Published lists for managed services without an SDK enum: EKS versions, ALB TLS policies, Atlas tiers."""

from __future__ import annotations

from components.core.catalog import suggestion

# Kubernetes minor versions EKS offers (standard or extended support). Source: the EKS user guide
# "Understand the Kubernetes version lifecycle on EKS" and its release calendar (endoflife.date/amazon-eks
# mirrors it), read 2026-11-30: 1.31's extended support ended 2026-11-26; 1.32 and 1.33 are in extended
# support; 1.34, 1.35 and 1.36 in standard support. Add a version when EKS releases it.
EKS_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34", "1.35", "1.36")

# The predefined security policies of Application Load Balancers (custom policies do not exist for
# ALBs). Source: Elastic Load Balancing user guide "Security policies for your Application Load
# Balancer", read 2026-11-30.
ALB_SSL_POLICIES: frozenset[str] = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-2015-05",
    }
)

# Dedicated Atlas tiers on AWS (General class) and the largest disk each takes, in GB. Source: MongoDB
# Atlas docs "Cloud Providers and Regions > Amazon Web Services" cluster-tier table, read 2026-11-30.
ATLAS_TIER_MAX_DISK_GB: dict[str, int] = {
    "M10": 128,
    "M20": 256,
    "M30": 512,
    "M40": 1024,
    "M50": 4096,
    "M60": 4096,
    "M80": 4096,
    "M140": 4096,
    "M200": 4096,
    "M300": 4096,
    "M400": 4096,
    "M700": 4096,
}


def eks_version_problem(value: str) -> str | None:
    if value in EKS_KUBERNETES_VERSIONS:
        return None
    return (
        f"must be a Kubernetes version EKS offers ({', '.join(EKS_KUBERNETES_VERSIONS)}), written as a quoted"
        f" string{suggestion(value, EKS_KUBERNETES_VERSIONS)}"
    )


def ssl_policy_problem(value: str) -> str | None:
    if value in ALB_SSL_POLICIES:
        return None
    return (
        "must be a predefined ALB security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06"
        f"{suggestion(value, ALB_SSL_POLICIES)}"
    )


def atlas_tier_problem(value: str) -> str | None:
    if value in ATLAS_TIER_MAX_DISK_GB:
        return None
    return (
        f"must be a dedicated Atlas tier on AWS ({', '.join(ATLAS_TIER_MAX_DISK_GB)})"
        f"{suggestion(value, ATLAS_TIER_MAX_DISK_GB)}"
    )


def atlas_disk_problem(tier: str, disk_gb: int) -> str | None:
    limit = ATLAS_TIER_MAX_DISK_GB.get(tier)
    if limit is None or disk_gb <= limit:
        return None
    return f"{tier} takes at most {limit} GB of disk; got {disk_gb} (choose a larger tier or a smaller disk)"
