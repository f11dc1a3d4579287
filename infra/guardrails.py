"""Tier guardrails: what a stack of a given tier must have, checked when the settings load.

Each check takes the parsed config and its tier's policy and returns ``(key, message)`` pairs, the key
relative to ``platform:``. Add a check for every new setting a tier constrains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from components.apps.rules import service_problems
from components.core.tags import tag_problems
from components.core.tier import TierPolicy
from components.network.spec import NatStrategy

if TYPE_CHECKING:
    from infra.config import StackConfig

Problem = tuple[str, str]
Check = Callable[["StackConfig", TierPolicy], list[Problem]]


def _network(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    net, tier = config.network, config.tier.value
    problems = []
    if net.az_count < policy.min_azs:
        problems.append(
            ("network.azCount", f"{tier} needs at least {policy.min_azs} AZs; got {net.az_count}")
        )
    if policy.nat_per_az and net.nat_gateways != NatStrategy.PER_AZ:
        problems.append(
            (
                "network.natGateways",
                f"{tier} needs a NAT gateway per AZ (perAz) so one AZ's failure keeps the others online;"
                f" got {net.nat_gateways.value!r}",
            )
        )
    if policy.flow_logs and not net.flow_logs.enabled:
        problems.append(("network.flowLogs.enabled", f"{tier} must keep VPC flow logs on; got false"))
    return problems


def _protection(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    tier = config.tier.value
    problems = []
    if policy.protect and config.protect is False:
        problems.append(
            (
                "protect",
                f"{tier} protects stateful resources; a stack may tighten this, not loosen it; got false",
            )
        )
    if config.keys.deletion_window_days < policy.min_key_deletion_window_days:
        problems.append(
            (
                "keys.deletionWindowDays",
                f"{tier} needs a deletion window of at least {policy.min_key_deletion_window_days} days;"
                f" got {config.keys.deletion_window_days}",
            )
        )
    if policy.protect and config.secrets.recovery_window_days == 0:
        problems.append(
            ("secrets.recoveryWindowDays", f"{tier} keeps deleted secrets recoverable (7-30 days); got 0")
        )
    return problems


def _tags(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    return [("tags", problem) for problem in tag_problems(config.tags)]


def _services(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    return service_problems(config.services, config.tier)


CHECKS: list[Check] = [_network, _protection, _tags, _services]


def check(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """Every guardrail problem of ``config`` under ``policy``."""
    return [problem for check_ in CHECKS for problem in check_(config, policy)]
