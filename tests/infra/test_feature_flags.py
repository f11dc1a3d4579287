"""Feature flags as code: the platform's AppConfig store, the services' flag values, read-only access."""

from __future__ import annotations

import json

import pytest

from components.apps.flag_store import ALL_AT_ONCE, FEATURE_FLAGS
from components.apps.flags import appconfig_content, split
from settings.config import platform_settings, services_settings
from tests.conftest import STACKS, services_run, stack_run
from tests.helpers import inputs, of_type, one
from tests.infra.test_workload_identity import granted, role_statements
from tools.preview.mocks import unwrap

ENVIRONMENT = "aws:appconfig/environment:Environment"
PROFILE = "aws:appconfig/configurationProfile:ConfigurationProfile"
VERSION = "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion"
DEPLOYMENT = "aws:appconfig/deployment:Deployment"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def services_of(stack: str):
    found = services_settings(platform_settings(stack))
    assert found is not None
    return found


def test_prod_flags_roll_back_on_the_load_balancers_5xx_alarm_through_a_role_appconfig_assumes():
    resources = stack_run("prod").resources
    (environment,) = [e for e in of_type(resources, ENVIRONMENT) if inputs(e)["name"] == "prod"]
    (monitor,) = inputs(environment)["monitors"]
    one(resources, ALARM, "prod-alarms-lb-5xx-rate")  # the mocks' ARNs end in the resource's name
    assert monitor["alarmArn"].endswith(":metricalarm/prod-alarms-lb-5xx-rate")
    role = one(resources, "aws:iam/role:Role", "prod-flag-store-monitor")
    assert monitor["alarmRoleArn"].endswith(":role/prod-flag-store-monitor")
    trust = json.loads(unwrap(role.inputs["assumeRolePolicy"]))["Statement"][0]
    assert trust["Principal"] == {"Service": "appconfig.amazonaws.com"}
    assert role.inputs["permissionsBoundary"]
    policy = json.loads(
        unwrap(one(resources, "aws:iam/rolePolicy:RolePolicy", "prod-flag-store-monitor").inputs["policy"])
    )
    assert [s["Action"] for s in policy["Statement"]] == ["cloudwatch:DescribeAlarms"]
    profiles = {inputs(p)["name"]: inputs(p) for p in of_type(resources, PROFILE)}
    assert {(p["type"], p["locationUri"]) for p in profiles.values()} == {(FEATURE_FLAGS, "hosted")}
    assert set(profiles) == {"flags", "release-holds"}


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_deploy_the_stacks_flag_values_gradually_and_the_holds_at_once(stack):
    settings = services_of(stack)
    product, holds = split(settings.config.flags)
    resources = services_run(stack).resources
    versions = {r.name.rsplit("-", 1)[0]: inputs(r) for r in of_type(resources, VERSION)}
    assert json.loads(versions[f"{stack}-flags-flags"]["content"]) == json.loads(
        appconfig_content(product, settings.tier)
    )
    assert json.loads(versions[f"{stack}-flags-release-holds"]["content"]) == json.loads(
        appconfig_content(holds, settings.tier)
    )
    deployments = {r.name: inputs(r) for r in of_type(resources, DEPLOYMENT)}
    assert deployments[f"{stack}-flags-release-holds-deployment"]["deploymentStrategyId"] == ALL_AT_ONCE
    platform = stack_run(stack).resources
    one(platform, "aws:appconfig/deploymentStrategy:DeploymentStrategy", f"{stack}-flag-store-gradual")
    gradual = f"{stack}-flag-store-gradual-id"  # the mocks' id of the platform's strategy
    assert deployments[f"{stack}-flags-flags-deployment"]["deploymentStrategyId"] == gradual


def test_prod_turns_no_experimental_flag_on():
    settings = services_of("prod")
    values = json.loads(appconfig_content(settings.config.flags, settings.tier))["values"]
    experimental = [n for n, f in settings.config.flags.items() if f.experimental]
    assert experimental
    assert all(values[n] == {"enabled": False} for n in experimental)


@pytest.mark.parametrize("stack", STACKS)
def test_only_services_that_read_flags_may_read_them_and_only_read_them(stack):
    apps = services_of(stack).config.apps
    for name, spec in apps.items():
        statements = role_statements(stack, name)
        sessions = granted(statements, "appconfig:StartConfigurationSession")
        assert bool(sessions) == bool(spec.flags), name
        for arn in sessions:
            assert "/environment/" in arn, arn
            assert "/configuration/" in arn, arn
        everything = [
            a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]
        assert not [
            a
            for a in everything
            if a.startswith("appconfig:")
            and a not in ("appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration")
        ], name
