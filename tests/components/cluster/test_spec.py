"""Config errors of platform:cluster: each bad value is refused with a message naming the key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from components.cluster.spec import ClusterSpec, NodeGroupSpec
from settings.config import ConfigError, parse, platform_settings
from tests.components.cluster.specs import ADMIN, cluster_config

NETWORK = {"cidr": "10.10.0.0/16", "azCount": 2, "natGateways": "single"}
SECRETS = {
    "generated": [{"name": "grafana-admin-password"}],
    "external": [{"name": "slack-webhook-url"}],
}


def raw(cluster: dict[str, Any], tier: str = "dev") -> dict[str, str]:
    return {
        "platform:tier": tier,
        "platform:accountId": "123456789012",  # the account of the role ARNs in specs.py
        "platform:network": json.dumps(
            NETWORK | ({"azCount": 3, "natGateways": "perAz"} if tier == "prod" else {})
        ),
        "platform:secrets": json.dumps(SECRETS | ({"recoveryWindowDays": 7} if tier != "dev" else {})),
        "platform:cluster": json.dumps(cluster),
    }


def problems(cluster: dict[str, Any], tier: str = "dev") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(raw(cluster, tier), tier)
    return caught.value.problems


def node_group(**fields: Any) -> dict[str, Any]:
    return cluster_config()["nodeGroups"][0] | fields


def test_valid_cluster_settings_parse_with_documented_defaults():
    settings = parse(raw(cluster_config()), "dev")
    cluster = settings.config.cluster
    assert cluster is not None
    assert cluster.endpoint.public_access is False  # private by default
    assert cluster.log_retention_days == 90
    assert cluster.access.deploy_namespaces == ("product",)
    assert cluster.node_groups[0].capacity_type.value == "ON_DEMAND"
    assert cluster.node_groups[0].max_unavailable_percentage == 33
    assert cluster.addons.kube_prometheus_stack.retention == "2d"


@pytest.mark.parametrize(
    ("cluster", "key", "fragment"),
    [
        (cluster_config(kubernetesVersion="1.3"), "platform:cluster.kubernetesVersion", "EKS offers"),
        (cluster_config(kubernetesVersion=1.34), "platform:cluster.kubernetesVersion", "valid string"),
        (
            cluster_config(nodeGroups=[node_group(minSize=3, desiredSize=2, maxSize=4)]),
            "platform:cluster.nodeGroups[0]",
            "minSize <= desiredSize <= maxSize; got 3 <= 2 <= 4",
        ),
        (
            cluster_config(nodeGroups=[node_group(minSize=1, desiredSize=5, maxSize=4)]),
            "platform:cluster.nodeGroups[0]",
            "got 1 <= 5 <= 4",
        ),
        (
            cluster_config(nodeGroups=[node_group(taints=[{"key": "k", "effect": "NoSchedule"}])]),
            "platform:cluster.nodeGroups[0].taints[0].effect",
            "'NO_SCHEDULE', 'NO_EXECUTE' or 'PREFER_NO_SCHEDULE'",
        ),
        (
            cluster_config(nodeGroups=[node_group(capacityType="RESERVED")]),
            "platform:cluster.nodeGroups[0].capacityType",
            "'ON_DEMAND' or 'SPOT'",
        ),
        (
            cluster_config(nodeGroups=[node_group(instanceTypes=[])]),
            "nodeGroups[0].instanceTypes",
            "at least 1",
        ),
        (
            cluster_config(nodeGroups=[node_group(taints=[{"key": "bad key", "effect": "NO_EXECUTE"}])]),
            "nodeGroups[0].taints[0].key",
            "label-style key",
        ),
        (
            cluster_config(nodeGroups=[node_group(diskSizeGib=8)]),
            "nodeGroups[0].diskSizeGib",
            "greater than or equal to 20",
        ),
        (
            cluster_config(nodeGroups=[node_group(maxUnavailablePercentage=0)]),
            "nodeGroups[0].maxUnavailablePercentage",
            "greater than or equal to 1",
        ),
        (cluster_config(nodeGroups=[node_group(name="General_1")]), "nodeGroups[0].name", "lower-case"),
        (
            cluster_config(nodeGroups=[node_group(labels={"bad key!": "x"})]),
            "nodeGroups[0].labels",
            "not a valid Kubernetes label",
        ),
        (
            cluster_config(nodeGroups=[node_group(), node_group()]),
            "platform:cluster.nodeGroups",
            "used twice: general",
        ),
        (cluster_config(nodeGroups=[]), "platform:cluster.nodeGroups", "at least 1"),
        (
            cluster_config(endpoint={"publicAccess": True}),
            "platform:cluster.endpoint",
            "publicAccess needs publicAccessCidrs",
        ),
        (
            cluster_config(endpoint={"publicAccess": False, "publicAccessCidrs": ["203.0.113.0/24"]}),
            "platform:cluster.endpoint",
            "publicAccess is false",
        ),
        (
            cluster_config(endpoint={"publicAccess": True, "publicAccessCidrs": ["203.0.113.1/24"]}),
            "platform:cluster.endpoint.publicAccessCidrs",
            "not an IPv4 network",
        ),
        (
            cluster_config(access={"adminRoleArns": ["arn:aws:iam::123:user/bob"]}),
            "platform:cluster.access.adminRoleArns[0]",
            "must be an IAM role ARN",
        ),
        (cluster_config(access={"adminRoleArns": []}), "platform:cluster.access.adminRoleArns", "at least 1"),
        (
            cluster_config(access={"adminRoleArns": [ADMIN], "servicesDeployRoleArns": [ADMIN]}),
            "platform:cluster.access",
            "is listed in adminRoleArns and servicesDeployRoleArns",
        ),
        (
            cluster_config(
                coreAddons=cluster_config()["coreAddons"] | {"coredns": "1.12.3"},
            ),
            "platform:cluster.coreAddons.coredns",
            "v1.20.4-eksbuild.2",
        ),
        (
            cluster_config(coreAddons=cluster_config()["coreAddons"] | {"kubeProxy": "v1.33.0-eksbuild.1"}),
            "platform:cluster",
            "does not match kubernetesVersion 1.34",
        ),
        (
            cluster_config(addons=cluster_config()["addons"] | {"keda": {"chartVersion": "^2.17"}}),
            "platform:cluster.addons.keda.chartVersion",
            "exact chart version",
        ),
        (
            cluster_config(
                addons=cluster_config()["addons"]
                | {"kubePrometheusStack": {"chartVersion": "79.7.1", "retention": "two days"}}
            ),
            "platform:cluster.addons.kubePrometheusStack.retention",
            "duration",
        ),
        (
            cluster_config(
                addons=cluster_config()["addons"]
                | {"externalSecrets": {"enabled": False, "chartVersion": "1.0.0"}}
            ),
            "platform:cluster.addons",
            "kubePrometheusStack is enabled but needs externalSecrets",
        ),
        (
            cluster_config(
                addons=cluster_config()["addons"]
                | {
                    "loki": {"chartVersion": "6.46.0"},
                    "kubePrometheusStack": {"enabled": False, "chartVersion": "79.7.1"},
                }
            ),
            "platform:cluster.addons",
            "loki is enabled but needs kubePrometheusStack",
        ),
        (
            cluster_config(
                addons=cluster_config()["addons"] | {"loki": {"enabled": False, "chartVersion": "6.46.0"}}
            ),
            "platform:cluster.addons",
            "alloy is enabled but needs loki",
        ),
        (cluster_config(logRetentionDays=10), "platform:cluster.logRetentionDays", "retention periods"),
    ],
)
def test_rejects_invalid_cluster_settings(cluster, key, fragment):
    found = problems(cluster)
    assert any(p.startswith(f"{key}:") or key in p for p in found), found
    assert any(fragment in p for p in found), found


def test_unknown_cluster_key_lists_the_allowed_ones():
    (problem,) = problems(cluster_config(nodeGroup=[]))
    assert problem.startswith("platform:cluster.nodeGroup: unknown key")
    assert "nodeGroups" in problem


def test_missing_addon_is_required():
    addons = cluster_config()["addons"]
    del addons["keda"]
    assert "platform:cluster.addons.keda: required, but not set" in problems(cluster_config(addons=addons))


def test_addons_by_key_returns_the_stack_file_entry():
    spec = ClusterSpec.model_validate(cluster_config())
    assert spec.addons.by_key("kubePrometheusStack") is spec.addons.kube_prometheus_stack
    with pytest.raises(KeyError):
        spec.addons.by_key("nginx")


@given(
    min_size=st.integers(min_value=0, max_value=100),
    desired=st.integers(min_value=0, max_value=100),
    max_size=st.integers(min_value=1, max_value=100),
)
def test_node_group_sizes_are_accepted_exactly_when_ordered(min_size, desired, max_size):
    fields = {"name": "general", "instanceTypes": ["m6i.large"]}
    sizes = {"minSize": min_size, "desiredSize": desired, "maxSize": max_size}
    if min_size <= desired <= max_size:
        assert NodeGroupSpec.model_validate(fields | sizes).desired_size == desired
    else:
        with pytest.raises(ValidationError, match="minSize <= desiredSize <= maxSize"):
            NodeGroupSpec.model_validate(fields | sizes)


@pytest.mark.parametrize(
    ("autoscaler", "message"),
    [
        (
            {"chartVersion": "9.50.1"},
            "addons.clusterAutoscaler runs autoscaler 1.33.0 (chart 9.50.1) on Kubernetes 1.34; the autoscaler's"
            " minor must equal the cluster's",
        ),
        ({"chartVersion": "9.54.0"}, "runs autoscaler 1.35.0 (chart 9.54.0) on Kubernetes 1.34"),
        (
            {"chartVersion": "9.53.0", "imageTag": "v1.33.4"},
            "runs autoscaler 1.33.4 (chart 9.53.0, imageTag)",
        ),
        (
            {"chartVersion": "9.99.0"},
            "its autoscaler version is not known here; set addons.clusterAutoscaler.imageTag",
        ),
    ],
)
def test_the_autoscaler_minor_must_equal_the_kubernetes_minor(autoscaler, message):
    addons = cluster_config()["addons"] | {"clusterAutoscaler": autoscaler}
    found = problems(cluster_config(addons=addons))
    assert any(message in p for p in found), found


def test_an_explicit_autoscaler_image_tag_makes_any_chart_match():
    addons = cluster_config()["addons"] | {
        "clusterAutoscaler": {"chartVersion": "9.50.1", "imageTag": "v1.34.1"}
    }
    spec = ClusterSpec.model_validate(cluster_config(addons=addons))
    assert spec.addons.cluster_autoscaler.autoscaler_version == "1.34.1"


def test_every_stack_runs_the_autoscaler_of_its_kubernetes_minor():
    from settings import stacks

    for stack in stacks.stacks():
        cluster = platform_settings(stack).config.cluster
        assert cluster is not None
        version = cluster.addons.cluster_autoscaler.autoscaler_version
        assert version is not None, stack
        assert version.rsplit(".", 1)[0] == cluster.kubernetes_version, stack
