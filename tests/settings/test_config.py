"""Stack configuration: every stack file loads; every class of bad input gets a clear, complete error."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.core.tier import Tier
from components.network.spec import NatStrategy
from settings import stacks
from settings.config import ConfigError, parse, parse_services
from tests.conftest import STACKS


def stack_values(stack: str) -> dict[str, Any]:
    """The decoded ``platform:*`` values of a repository stack file, for editing in a test."""
    raw = stacks.read(stack).config
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in raw.items()}


def services_values(stack: str) -> dict[str, Any]:
    """The decoded ``services:*`` values of a repository services stack file."""
    raw = stacks.read(stack, stacks.Project.SERVICES).config
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in raw.items()}


def services_problems(
    values: dict[str, Any], stack: str = "prod", platform: dict[str, Any] | None = None
) -> list[str]:
    """The problems of a services stack's ``values`` on ``platform`` (defaults to the stack's own)."""
    platform_raw = {
        k: v if isinstance(v, str) else json.dumps(v) for k, v in (platform or stack_values(stack)).items()
    }
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    with pytest.raises(ConfigError) as caught:
        parse_services(raw, stack, parse(platform_raw, stack))
    return caught.value.problems


def problems(values: dict[str, Any], stack: str = "prod", secret_keys: tuple[str, ...] = ()) -> list[str]:
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    with pytest.raises(ConfigError) as caught:
        parse(raw, stack, secret_keys=secret_keys)
    return caught.value.problems


def edited(stack: str, key: str, path: list[str], value: Any) -> dict[str, Any]:
    """The stack's values with ``platform:<key>.<path...>`` set to ``value``."""
    values = copy.deepcopy(stack_values(stack))
    if not path:
        values[f"platform:{key}"] = value
        return values
    node = values[f"platform:{key}"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return values


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_file_loads(stack):
    stack_file = stacks.read(stack)
    settings = parse(stack_file.config, stack, secret_keys=stack_file.secret_keys)
    assert settings.environment == stack
    assert settings.tier == Tier(stack)
    assert settings.region == "ap-northeast-2"


def test_stacks_use_their_documented_cidrs_which_do_not_overlap():
    cidrs = {s: parse(stacks.read(s).config, s).config.network.cidr for s in STACKS}
    assert cidrs == {"dev": "10.10.0.0/16", "staging": "10.20.0.0/16", "prod": "10.30.0.0/16"}


def test_tiers_differ_as_the_stack_files_say():
    dev, prod = (parse(stacks.read(s).config, s) for s in ("dev", "prod"))
    assert dev.config.network.nat_gateways == NatStrategy.SINGLE
    assert prod.config.network.nat_gateways == NatStrategy.PER_AZ
    assert dev.config.network.az_count == 2
    assert prod.config.network.az_count == 3
    assert not dev.protect
    assert prod.protect


def test_common_tags_name_project_environment_and_manager_and_keep_config_tags():
    settings = parse(stacks.read("staging").config, "staging")
    assert settings.tags["project"] == "platform"
    assert settings.tags["environment"] == "staging"
    assert settings.tags["managed-by"] == "pulumi"
    assert settings.tags["team"] == "product"


def test_rejects_an_unknown_top_level_key_and_names_the_allowed_ones():
    values = stack_values("dev") | {"platform:netwrok": {"cidr": "10.10.0.0/16"}}
    (message,) = problems(values, "dev")
    assert message.startswith("platform:netwrok: unknown key")
    assert "network" in message


def test_rejects_a_misspelt_nested_key_with_its_full_key():
    (message,) = problems(edited("dev", "network", ["azCuont"], 2), "dev")
    assert message.startswith("platform:network.azCuont: unknown key")
    assert "azCount" in message


def test_rejects_a_wrong_type_naming_the_key_and_the_value_received():
    (message,) = problems(edited("dev", "network", ["azCount"], "three"), "dev")
    assert message.startswith("platform:network.azCount:")
    assert "integer" in message
    assert '"three"' in message  # the value as the stack file wrote it


@pytest.mark.parametrize(
    ("cidr", "fragment"),
    [
        ("10.30.0.0/33", "not a valid IPv4 network"),
        ("10.30.0.1/16", "not a valid IPv4 network"),
        ("52.0.0.0/16", "private"),
        ("10.16.0.0/12", "prefix must be /16 to /20"),
    ],
)
def test_rejects_an_invalid_cidr(cidr, fragment):
    (message,) = problems(edited("prod", "network", ["cidr"], cidr))
    assert message.startswith("platform:network.cidr:")
    assert fragment in message
    assert json.dumps(cidr) in message


def test_rejects_a_cidr_overlapping_a_peer_network():
    (message,) = problems(edited("prod", "network", ["cidr"], "10.20.0.0/16"))
    assert message.startswith("platform:network:")
    assert "overlaps peer network(s) 10.20.0.0/16" in message


@pytest.mark.parametrize("count", [0, 5])
def test_rejects_an_az_count_out_of_range(count):
    (message,) = problems(edited("prod", "network", ["azCount"], count))
    assert message.startswith("platform:network.azCount:")
    assert f"got {count}" in message


def test_rejects_an_unknown_nat_strategy_listing_the_allowed_ones():
    (message,) = problems(edited("dev", "network", ["natGateways"], "none"), "dev")
    assert "'single' or 'perAz'" in message
    assert 'got "none"' in message


def test_prod_guardrail_requires_a_nat_gateway_per_az():
    (message,) = problems(edited("prod", "network", ["natGateways"], "single"))
    assert message.startswith("platform:network.natGateways: prod needs a NAT gateway per AZ")
    assert "got 'single'" in message


def test_prod_guardrail_requires_three_azs():
    (message,) = problems(edited("prod", "network", ["azCount"], 2))
    assert message == "platform:network.azCount: prod needs at least 3 AZs; got 2"


def test_prod_guardrail_keeps_flow_logs_on():
    (message,) = problems(edited("prod", "network", ["flowLogs", "enabled"], False))
    assert message.startswith("platform:network.flowLogs.enabled: prod must keep VPC flow logs on")


def test_prod_guardrail_requires_a_30_day_key_deletion_window():
    (message,) = problems(edited("prod", "keys", ["deletionWindowDays"], 7))
    assert (
        message == "platform:keys.deletionWindowDays: prod needs a deletion window of at least 30 days; got 7"
    )


def test_a_stack_cannot_loosen_its_tiers_protection():
    (message,) = problems(edited("staging", "protect", [], "false"), "staging")
    assert message.startswith("platform:protect: staging protects stateful resources")


def test_a_dev_stack_may_tighten_protection():
    values = edited("dev", "protect", [], "true")
    settings = parse({k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}, "dev")
    assert settings.protect


def test_dev_may_be_single_nat_two_azs_and_destroyable():
    settings = parse(stacks.read("dev").config, "dev")
    assert settings.policy.nat_per_az is False
    assert settings.protect is False


def test_reports_every_problem_together():
    values = edited("prod", "network", ["azCount"], 2)
    values["platform:network"]["natGateways"] = "single"
    values["platform:keys"]["deletionWindowDays"] = 7
    found = problems(values)
    assert len(found) == 3
    assert {m.split(":")[1] for m in found} == {
        "network.azCount",
        "network.natGateways",
        "keys.deletionWindowDays",
    }


def test_reports_every_schema_problem_together():
    values = edited("dev", "network", ["azCount"], "x")
    values["platform:region"] = "mars-1"
    values["platform:bogus"] = 1
    assert len(problems(values, "dev")) == 3


def test_a_missing_required_key_is_named():
    values = stack_values("dev")
    del values["platform:tier"]
    assert problems(values, "dev") == ["platform:tier: required, but not set"]


def test_rejects_an_unknown_tier():
    (message,) = problems(edited("dev", "tier", [], "qa"), "dev")
    assert "'dev', 'staging' or 'prod'" in message


def test_rejects_a_bad_region():
    (message,) = problems(edited("dev", "region", [], "Seoul"), "dev")
    assert message.startswith("platform:region: must be an AWS region")


def test_rejects_tags_aws_reserves():
    (message,) = problems(edited("dev", "tags", [], {"aws:owner": "x"}), "dev")
    assert message.startswith("platform:tags: tag key 'aws:owner' must not start with 'aws:'")


def test_rejects_a_rotation_period_aws_refuses():
    (message,) = problems(edited("dev", "keys", ["rotationPeriodDays"], 30), "dev")
    assert message.startswith("platform:keys.rotationPeriodDays:")
    assert "90" in message


def test_rejects_a_log_retention_cloudwatch_does_not_offer():
    (message,) = problems(edited("dev", "network", ["flowLogs", "retentionDays"], 10), "dev")
    assert message.startswith("platform:network.flowLogs.retentionDays: must be one of the retention periods")


def test_rejects_a_secret_declared_twice():
    values = stack_values("dev")
    values["platform:secrets"]["external"].append({"name": "jwt-signing-key"})
    (message,) = problems(values, "dev")
    assert "declared twice: jwt-signing-key" in message


def test_prod_keeps_deleted_secrets_recoverable():
    (message,) = problems(edited("prod", "secrets", ["recoveryWindowDays"], 0))
    assert message.startswith("platform:secrets.recoveryWindowDays: prod keeps deleted secrets recoverable")


def test_a_secret_config_value_is_never_echoed_in_an_error():
    values = edited("dev", "tags", [], {"team": "x" * 300})
    found = problems(values, "dev", secret_keys=("platform:tags",))
    assert all("x" * 300 not in m for m in found)
    values = edited("dev", "region", [], "hunter2-secret")
    found = problems(values, "dev", secret_keys=("platform:region",))
    assert all("hunter2" not in m for m in found)
    assert "platform:region: must be an AWS region such as ap-northeast-2; got [secret]" in found


def test_a_secret_for_a_setting_that_is_not_secret_is_refused():
    stack_file = stacks.read("dev")
    found = problems(stack_values("dev"), "dev", secret_keys=("platform:network",))
    assert found[0].startswith("platform:network: is stored as a secret, but this setting is not secret")
    assert stack_file.secret_keys == []


def test_keys_of_other_namespaces_are_left_to_their_owners():
    raw = dict(stacks.read("dev").config) | {"aws:region": "us-east-1", "mongodbatlas:baseUrl": "x"}
    assert parse(raw, "dev").region == "ap-northeast-2"
