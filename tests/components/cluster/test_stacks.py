"""The cluster in each repository stack: the preview runs, tier settings land, and every Kubernetes object
goes through the cluster's provider."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type, one
from tools import cli
from tools.preview import runner
from tools.preview.mocks import is_secret

K8S_PROVIDER = "pulumi:providers:kubernetes"


def stack_cluster(stack: str) -> dict:
    document = YAML(typ="safe").load((runner.ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())
    return document["config"]["platform:cluster"]


@pytest.mark.parametrize("stack", STACKS)
def test_preview_of_each_stack_succeeds(stack, capsys, shared_runs):
    assert cli.main(["preview", "--stack", stack]) == 0
    out, err = capsys.readouterr()
    assert "platform:cluster:EksCluster" in out
    assert "data sources the mocks do not answer" not in err


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_uses_the_cluster_provider(stack):
    resources = stack_run(stack).resources
    (provider,) = of_type(resources, K8S_PROVIDER)
    objects = [r for r in resources if r.type.startswith("kubernetes:")]
    assert len(objects) > 20
    assert [r.name for r in objects if not (r.provider or "").startswith(f"{provider.urn}::")] == []


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_installs_its_enabled_addons_at_the_pinned_versions(stack):
    configured = {
        key: value for key, value in stack_cluster(stack)["addons"].items() if value.get("enabled", True)
    }
    releases = {
        r.name.removeprefix(f"{stack}-addons-"): inputs(r)["version"]
        for r in of_type(stack_run(stack).resources, "kubernetes:helm.sh/v3:Release")
        if r.name.startswith(f"{stack}-addons-")  # external-dns is platform:dns's (tests/components/network)
    }
    assert sorted(releases.values()) == sorted(str(v["chartVersion"]) for v in configured.values())
    assert releases["kube-prometheus-stack"] == str(configured["kubePrometheusStack"]["chartVersion"])


def test_prod_cluster_is_private_and_deletion_protected():
    cluster = one(stack_run("prod").resources, "aws:eks/cluster:Cluster")
    assert inputs(cluster)["vpcConfig"]["endpointPublicAccess"] is False
    assert inputs(cluster)["deletionProtection"] is True
    assert cluster.protect


def test_dev_cluster_is_reachable_from_the_office_only_and_deletable():
    cluster = one(stack_run("dev").resources, "aws:eks/cluster:Cluster")
    assert inputs(cluster)["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert inputs(cluster)["deletionProtection"] is False


def test_prod_monitoring_keeps_a_month_on_volumes_and_dev_stays_minimal():
    def prometheus(stack):
        release = one(
            stack_run(stack).resources,
            "kubernetes:helm.sh/v3:Release",
            f"{stack}-addons-kube-prometheus-stack",
        )
        return inputs(release)["values"]["prometheus"]["prometheusSpec"]

    assert prometheus("prod")["retention"] == "30d"
    assert prometheus("prod")["replicas"] == 2
    assert "storageSpec" in prometheus("prod")
    assert prometheus("dev")["retention"] == "2d"
    assert "storageSpec" not in prometheus("dev")


@pytest.mark.parametrize("stack", STACKS)
def test_nodes_wear_the_networks_workload_security_group(stack):
    resources = stack_run(stack).resources
    workloads = one(resources, "aws:ec2/securityGroup:SecurityGroup", f"{stack}-network-workloads")
    for template in of_type(resources, "aws:ec2/launchTemplate:LaunchTemplate"):
        assert f"{workloads.name}-id" in inputs(template)["vpcSecurityGroupIds"]


@pytest.mark.parametrize("stack", STACKS)
def test_product_namespace_is_default_deny_with_data_tier_egress(stack):
    resources = stack_run(stack).resources
    namespace = next(
        r
        for r in of_type(resources, "kubernetes:core/v1:Namespace")
        if inputs(r)["metadata"]["name"] == "product"
    )
    assert inputs(namespace)["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {
        inputs(r)["metadata"]["name"]: inputs(r)
        for r in of_type(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if inputs(r)["metadata"]["namespace"] == "product"
    }
    assert policies["default-deny-all"]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    data = policies["allow-to-data-tier"]["spec"]["egress"][0]["to"]
    assert all(peer["ipBlock"]["cidr"].endswith(".0/24") for peer in data)


@pytest.mark.parametrize("stack", STACKS)
def test_cluster_outputs_are_exported_with_the_kubeconfig_secret(stack):
    outputs = stack_run(stack).outputs
    assert outputs["cluster_name"] == f"platform-{stack}"
    assert outputs["cluster_endpoint"]
    assert outputs["cluster_oidc_provider_arn"].startswith("arn:aws:")
    assert is_secret(outputs["kubeconfig"])
