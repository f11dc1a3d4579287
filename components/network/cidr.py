"""Deterministic subnet planning with :mod:`ipaddress` (pure, no Pulumi).

The VPC is cut into eight equal blocks. Blocks 0-3 hold one private *app* subnet per AZ (cluster nodes
and pods: the VPC CNI gives every pod a VPC address, so these are the large ones). Block 4 is cut into
/24-equivalents (VPC prefix + 8) for the public subnets, block 5 likewise for the isolated data subnets;
blocks 6 and 7 are left free for later tiers. A /16 VPC thus gets /19 app subnets and /24 public and
data subnets. The same inputs always give the same plan, so adding an AZ never renumbers existing ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MIN_VPC_PREFIX = 16  # AWS allows no larger VPC block
MAX_VPC_PREFIX = 20  # keeps public/data subnets at /28 or larger, AWS's smallest subnet
MAX_AZS = 4


@dataclass(frozen=True)
class SubnetPlan:
    """The CIDRs of one environment's subnets, each list indexed by AZ."""

    vpc: str
    public: tuple[str, ...]
    app: tuple[str, ...]
    data: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return self.public + self.app + self.data


def plan_subnets(vpc_cidr: str, az_count: int) -> SubnetPlan:
    """Plan the public, app and data subnets of ``vpc_cidr`` over ``az_count`` AZs.

    Raises:
        ValueError: the CIDR is not a network address, its prefix is outside /16-/20, or ``az_count``
            is outside 1-4.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr, strict=True)
    if not MIN_VPC_PREFIX <= vpc.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(f"VPC prefix must be /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}, got /{vpc.prefixlen}")
    if not 1 <= az_count <= MAX_AZS:
        raise ValueError(f"AZ count must be 1-{MAX_AZS}, got {az_count}")
    blocks = list(vpc.subnets(new_prefix=vpc.prefixlen + 3))
    small = vpc.prefixlen + 8
    public = list(blocks[4].subnets(new_prefix=small))
    data = list(blocks[5].subnets(new_prefix=small))
    return SubnetPlan(
        vpc=str(vpc),
        public=tuple(str(public[i]) for i in range(az_count)),
        app=tuple(str(blocks[i]) for i in range(az_count)),
        data=tuple(str(data[i]) for i in range(az_count)),
    )


def cidr_problem(value: str) -> str | None:
    """Why ``value`` cannot be a VPC CIDR, or ``None`` when it can."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return f"not a valid IPv4 network address ({exc})"
    if net.version != 4:
        return "must be an IPv4 network"
    if not net.is_private:
        return "must be a private (RFC 1918) range"
    if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
        return f"prefix must be /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}"
    return None


def overlapping(cidr: str, others: list[str]) -> list[str]:
    """The members of ``others`` that overlap ``cidr``."""
    net = ipaddress.ip_network(cidr)
    return [other for other in others if net.overlaps(ipaddress.ip_network(other))]
