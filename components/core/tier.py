"""Environment tiers and the guardrails each one sets.

A tier is the floor an environment stands on: a stack file can tighten what its tier allows, never
loosen it. Guardrails are checked when the settings load, before any resource is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


@dataclass(frozen=True)
class TierPolicy:
    """What a tier requires.

    Attributes:
        protect: stateful resources carry ``protect=True`` (Pulumi refuses to delete or replace them).
        min_azs: fewest availability zones the network may span.
        nat_per_az: a NAT gateway in every AZ, so losing one AZ does not cut the others' egress.
        flow_logs: VPC flow logs must stay on.
        min_key_deletion_window_days: shortest KMS key deletion window allowed.
        min_backup_retention_days: shortest backup retention a stateful store may have.
        deletion_protection: databases and clusters refuse API deletion.
    """

    protect: bool
    min_azs: int
    nat_per_az: bool
    flow_logs: bool
    min_key_deletion_window_days: int
    min_backup_retention_days: int
    deletion_protection: bool


POLICIES: dict[Tier, TierPolicy] = {
    Tier.DEV: TierPolicy(
        protect=False,
        min_azs=2,
        nat_per_az=False,
        flow_logs=False,
        min_key_deletion_window_days=7,
        min_backup_retention_days=1,
        deletion_protection=False,
    ),
    Tier.STAGING: TierPolicy(
        protect=True,
        min_azs=2,
        nat_per_az=False,
        flow_logs=True,
        min_key_deletion_window_days=7,
        min_backup_retention_days=7,
        deletion_protection=True,
    ),
    Tier.PROD: TierPolicy(
        protect=True,
        min_azs=3,
        nat_per_az=True,
        flow_logs=True,
        min_key_deletion_window_days=30,
        min_backup_retention_days=7,
        deletion_protection=True,
    ),
}


def policy_for(tier: Tier) -> TierPolicy:
    """The guardrails of ``tier``."""
    return POLICIES[tier]
