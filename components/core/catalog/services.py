"""Published lists for managed services without an SDK enum: EKS versions, ALB TLS policies, Atlas tiers."""

from __future__ import annotations

from components.core.catalog import suggestion

# Kubernetes minor versions EKS offers (standard or extended support) on 2026-12-01. Checked 2026-12-01
# against:
# - the EKS user guide's release calendar, awsdocs/amazon-eks-user-guide
#   latest/ug/versioning/kubernetes-versions.adoc at commit 013856044148d6eeed4723027a45aa2180536bcb (the
#   newest stored version found; its newest row is 1.34): 1.31's extended support ended 2026-11-26; it
#   ends 2027-03-23 for 1.32, 2027-07-29 for 1.33 and 2027-12-02 for 1.34;
# - 1.35: EKS release 2026-01-28, extended support to 2028-03-27, read on https://endoflife.date/amazon-eks
#   (stored copy; it mirrors the calendar);
# - 1.35, 1.36 and 1.37: members of ``KubernetesVersion`` in AWS CDK's aws-cdk-lib 2.276.0 (npm,
#   published 2026-11-10), aws-eks/lib/cluster.d.ts, which adds a version when EKS releases it. No
#   calendar row for 1.36 or 1.37 was read here, so their support dates are unverified.
# Add a version when EKS releases it; drop one when its extended support ends.
EKS_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34", "1.35", "1.36", "1.37")

# The predefined security policies of Application Load Balancers (custom policies do not exist for ALBs).
# Checked 2026-12-01 against the ``SslPolicy`` enum of AWS CDK ("Elastic Load Balancing provides the
# following security policies for Application Load Balancers"): aws-cdk-lib 2.276.0 (npm, published
# 2026-11-10), aws-elasticloadbalancingv2/lib/shared/enums.d.ts, holds every policy below except
# - ELBSecurityPolicy-TLS13-1-1-FIPS-PQ-2025-09: in aws/aws-cdk
#   packages/aws-cdk-lib/aws-elasticloadbalancingv2/lib/shared/enums.ts at commit
#   066134e4b7e7b03d3199efabd8680aa1768ff4ef but not in the 2.276.0 release; no AWS page read here lists it;
# - the RFC 9151 (CNSA 1.0) policies: the ALB user guide page "Security policies for your Application Load
#   Balancer" (https://docs.amazonaws.cn/en_us/elasticloadbalancing/latest/application/describe-ssl-policies.md,
#   stored copy) says policies with RFC 9151 in their names exist, strict and interop; their exact names
#   were NOT read on an AWS page here, only in public third-party listings.
# These are kept so a real policy is not refused. The check added TLS13-1-0-PQ, TLS13-1-0-FIPS-PQ and
# TLS13-1-1-FIPS-PQ and removed ELBSecurityPolicy-2015-05 (not in the enum; public listings place it on
# the Network Load Balancer page only).
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
        "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
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
        "ELBSecurityPolicy-TLS13-1-1-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09",
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
        # RFC 9151: names from third-party listings only (see above).
        "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
    }
)

# Dedicated Atlas tiers of the General class on AWS and the largest disk each takes, in GB (1 TB read as
# 1024 GB, as the Atlas API's diskSizeGB counts). Checked 2026-12-01 against MongoDB's docs source,
# mongodb/docs content/atlas/source/includes/list-tables/instance-types/aws.rst at commit
# f8bbb73e85ee16f0cf95e78a0ac9c2ea16f5731e (the AWS cluster-tier table, "Storage Range" column). That check
# removed M400 and M700 (on AWS they exist only as Low-CPU tiers, not General) and set M20's limit to the
# table's 255 GB. Low-CPU (R*) and NVMe tiers are not offered by this platform's config.
ATLAS_TIER_MAX_DISK_GB: dict[str, int] = {
    "M10": 128,
    "M20": 255,
    "M30": 512,
    "M40": 1024,
    "M50": 4096,
    "M60": 4096,
    "M80": 4096,
    "M140": 4096,
    "M200": 4096,
    "M300": 4096,
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
