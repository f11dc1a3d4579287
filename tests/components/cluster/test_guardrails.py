"""Tier guardrails of the cluster: checked at load time, each naming the key, the value and the rule."""

from __future__ import annotations

import pytest

from settings.config import ConfigError, parse
from tests.components.cluster.specs import cluster_config
from tests.components.cluster.test_spec import SECRETS, problems, raw

OPEN = {"publicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}
PROD_GROUPS = [
    {"name": "general", "instanceTypes": ["m6i.xlarge"], "minSize": 3, "desiredSize": 3, "maxSize": 6}
]


@pytest.fixture(autouse=True)
def _a_day_the_fixture_version_is_in_standard_support(monkeypatch):
    # The fixture cluster runs 1.34 (tests/components/cluster/specs.py), which left EKS standard support on
    # 2026-12-02; these tests are about the other rules (the support window's own: tests/tools).
    monkeypatch.setenv("PLATFORM_RUN_DATE", "2026-11-01")


def prod_config(**overrides):
    config = cluster_config(nodeGroups=PROD_GROUPS, logRetentionDays=365)
    config["addons"]["loki"]["storage"] = "s3"
    return config | overrides


def test_the_valid_prod_config_passes():
    assert parse(raw(prod_config(), "prod"), "prod").config.cluster is not None


def test_prod_refuses_a_public_endpoint():
    config = prod_config(endpoint={"publicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})
    assert (
        "platform:cluster.endpoint.publicAccess: prod keeps the Kubernetes API private (reach it through the"
        " VPC); got true"
    ) in problems(config, "prod")


@pytest.mark.parametrize("tier", ["staging", "prod"])
def test_staging_and_prod_refuse_an_endpoint_open_to_the_internet(tier):
    found = problems(prod_config(endpoint=OPEN), tier)
    assert (
        f"platform:cluster.endpoint.publicAccessCidrs: {tier} may not open the Kubernetes API to the whole"
        " internet, in one CIDR or in pieces; got ['0.0.0.0/0']"
    ) in found


def test_dev_may_open_its_endpoint_to_the_internet():
    assert parse(raw(cluster_config(endpoint=OPEN), "dev"), "dev").config.cluster.endpoint.public_access


def test_prod_needs_an_on_demand_group_of_at_least_two_nodes():
    spot = [PROD_GROUPS[0] | {"capacityType": "SPOT"}]
    (problem,) = [p for p in problems(prod_config(nodeGroups=spot), "prod") if "nodeGroups" in p]
    assert problem.startswith(
        "platform:cluster.nodeGroups: prod needs an ON_DEMAND node group with minSize >= 2"
    )
    assert "('general', 'SPOT', 3)" in problem


def test_prod_keeps_control_plane_logs_a_year():
    assert (
        "platform:cluster.logRetentionDays: prod keeps control-plane (audit) logs at least 365 days; got 90"
    ) in problems(prod_config(logRetentionDays=90), "prod")


@pytest.mark.parametrize("addon", ["loki", "alloy", "clusterAutoscaler"])
def test_prod_refuses_to_turn_off_observability_or_autoscaling(addon):
    addons = cluster_config()["addons"]
    addons[addon]["enabled"] = False
    if addon == "loki":
        addons["alloy"]["enabled"] = False
    assert (
        f"platform:cluster.addons.{addon}.enabled: prod runs full observability and autoscaling; got false"
    ) in problems(prod_config(addons=addons), "prod")


def test_prod_keeps_logs_in_s3_not_on_a_volume():
    addons = prod_config()["addons"]
    addons["loki"]["storage"] = "filesystem"
    assert (
        "platform:cluster.addons.loki.storage: prod keeps logs in Loki's own S3 bucket (encrypted with the data"
        " key, written through its own IAM role), not on one pod's volume; got 'filesystem'"
    ) in problems(prod_config(addons=addons), "prod")
    staging = parse(raw(cluster_config(), "staging"), "staging").config.cluster
    assert staging is not None
    assert staging.addons.loki.storage.value == "filesystem"


def test_monitoring_needs_its_secrets_declared():
    bare = raw(cluster_config(), "dev") | {
        "platform:secrets": '{"external": [{"name": "slack-webhook-url"}]}'
    }
    with pytest.raises(ConfigError) as caught:
        parse(bare, "dev")
    assert (
        "platform:secrets: cluster.addons.kubePrometheusStack reads secret(s) ['grafana-admin-password'];"
        " declare them in platform:secrets"
    ) in caught.value.problems


def test_secrets_fixture_declares_what_monitoring_reads():
    names = {s["name"] for group in SECRETS.values() for s in group}
    assert names == {"grafana-admin-password", "slack-webhook-url"}
