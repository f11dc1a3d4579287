"""The upgrade check's rules on plain recorded resources (no mocks): removed APIs, chart statements, the
autoscaler's minor, EKS add-on builds, node and kube-proxy skew, one minor at a time."""

from __future__ import annotations

from typing import Any

import pytest

from components.cluster import upgrade
from components.cluster.compatibility import CHART_STATEMENTS, EKS_ADDON_BUILDS, Kind, first_supporting
from components.cluster.upgrade import Severity
from components.core.catalog.kubernetes import API_CHANGES, ApiStatus, api_status


def _cluster(version: str = "1.34") -> dict[str, Any]:
    return {"type": upgrade.CLUSTER_TYPE, "name": "prod-cluster", "inputs": {"version": version}}


def _release(chart: str, version: str, **values: Any) -> dict[str, Any]:
    inputs = {"chart": chart, "version": version, "values": values}
    return {"type": upgrade.HELM_RELEASE_TYPE, "name": f"addons-{chart}", "inputs": inputs}


def _addon(name: str, version: str) -> dict[str, Any]:
    return {
        "type": upgrade.EKS_ADDON_TYPE,
        "name": name,
        "inputs": {"addonName": name, "addonVersion": version},
    }


def _nodes(version: str) -> dict[str, Any]:
    return {"type": upgrade.NODE_GROUP_TYPE, "name": "general", "inputs": {"version": version}}


def _blocking(report: upgrade.Report) -> list[str]:
    return [f"{f.subject}: {f.message}" for f in report.findings if f.severity is Severity.BLOCKS]


def test_a_removed_api_in_a_recorded_resource_blocks_and_names_its_replacement():
    resources = [{"type": "kubernetes:policy/v1beta1:PodDisruptionBudget", "name": "web", "inputs": {}}]
    report = upgrade.check([_cluster()], "1.35", upgrade.manifests_of(resources, "services"))
    assert report.blocked
    (line,) = _blocking(report)
    assert "services: policy/v1beta1 PodDisruptionBudget web" in line
    assert "removed in 1.25" in line
    assert "policy/v1" in line


def test_the_core_group_is_read_as_kubernetes_spells_it():
    resources = [{"type": "kubernetes:core/v1:ConfigMap", "name": "c", "inputs": {}}]
    (manifest,) = upgrade.manifests_of(resources, "platform")
    assert (manifest.api_version, manifest.kind) == ("v1", "ConfigMap")


def test_a_deprecated_api_not_yet_removed_warns_without_blocking():
    manifests = [
        upgrade.Manifest("storage.k8s.io/v1beta1", "VolumeAttributesClass", "fast", "rendered x.yaml")
    ]
    report = upgrade.check([_cluster()], "1.35", manifests)
    assert not report.blocked
    assert [f.severity for f in report.findings if f.area == "api"] == [Severity.WARNS]


def test_rendered_documents_and_lists_are_read_as_objects():
    documents = [
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [{"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "a"}}],
        },
        None,
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "b"}},
    ]
    found = upgrade.manifests_in_documents(documents, "rendered")
    assert [(m.api_version, m.kind, m.name) for m in found] == [
        ("batch/v1beta1", "CronJob", "a"),
        ("apps/v1", "Deployment", "b"),
    ]


def test_the_api_table_agrees_with_the_upstream_guide_on_rows_the_stored_guide_holds():
    # kubernetes/website deprecation-guide.md (stored copy): v1.25 stops serving policy/v1beta1 PDB and
    # batch/v1beta1 CronJob; v1.22 stops serving networking.k8s.io/v1beta1 Ingress.
    assert api_status("policy/v1beta1", "PodDisruptionBudget", "1.25")[0] is ApiStatus.REMOVED
    assert api_status("policy/v1beta1", "PodDisruptionBudget", "1.24")[0] is ApiStatus.DEPRECATED
    assert api_status("batch/v1beta1", "CronJob", "1.25")[0] is ApiStatus.REMOVED
    assert api_status("networking.k8s.io/v1beta1", "Ingress", "1.22")[0] is ApiStatus.REMOVED
    assert api_status("policy/v1", "PodDisruptionBudget", "1.35") is None
    assert len({(c.api_version, c.kind) for c in API_CHANGES}) == len(API_CHANGES)


def test_a_chart_pinned_below_its_minimum_blocks_and_names_the_first_supporting_version():
    report = upgrade.check([_cluster(), _release("aws-load-balancer-controller", "1.3.3")], "1.35", [])
    (line,) = _blocking(report)
    assert "chart aws-load-balancer-controller 1.3.3" in line
    assert "1.16-1.21" in line
    assert "first chart version supporting 1.35 is 1.4.0" in line


def test_a_tested_window_that_excludes_the_target_warns_but_does_not_block():
    report = upgrade.check([_cluster(), _release("keda", "2.17.2")], "1.35", [])
    assert not report.blocked
    warnings = [f for f in report.findings if f.severity is Severity.WARNS]
    assert len(warnings) == 1
    assert "1.30-1.32" in warnings[0].message


def test_a_chart_without_a_recorded_statement_warns():
    report = upgrade.check([_cluster(), _release("some-chart", "0.1.0")], "1.35", [])
    assert [f.severity for f in report.findings if f.area == "chart"] == [Severity.WARNS]


@pytest.mark.parametrize(
    ("chart", "tag", "target", "blocks"),
    [
        ("9.53.0", None, "1.35", False),  # 1.34 autoscaler: the bump moves it to 9.54.0 in the same change
        ("9.54.0", None, "1.35", False),  # already 1.35
        ("9.51.0", None, "1.35", True),  # 1.33: two minors off
        ("9.54.0", None, "1.36", True),  # no chart runs 1.36 (and it is not the cluster's minor)
        ("9.53.0", "v1.36.1", "1.36", False),  # an image tag of the target minor
    ],
)
def test_the_cluster_autoscaler_must_follow_the_control_plane(chart, tag, target, blocks):
    values = {"image": {"tag": tag}} if tag else {}
    current = "1.35" if target == "1.36" else "1.34"
    report = upgrade.check([_cluster(current), _release("cluster-autoscaler", chart, **values)], target, [])
    assert bool(_blocking(report)) is blocks


def test_eks_addons_move_with_the_bump_to_their_published_builds():
    addons = [_addon(name, version) for name, version in EKS_ADDON_BUILDS["1.34"].builds.items()]
    report = upgrade.check([_cluster(), *addons], "1.35", [])
    assert not report.blocked
    messages = [f.message for f in report.findings if f.area == "eks-addon"]
    assert all("the bump sets" in m for m in messages)
    assert any("v1.35.0-eksbuild.2" in m for m in messages)


def test_an_eks_addon_without_a_known_build_for_the_target_blocks():
    report = upgrade.check([_cluster("1.35"), _addon("vpc-cni", "v1.21.1-eksbuild.3")], "1.36", [])
    assert any("no vpc-cni build for 1.36" in line for line in _blocking(report))


def test_kube_proxy_newer_than_the_target_control_plane_blocks():
    report = upgrade.check([_cluster("1.34"), _addon("kube-proxy", "v1.36.0-eksbuild.1")], "1.35", [])
    assert any("kube-proxy" in line for line in _blocking(report))


@pytest.mark.parametrize(("kubelet", "blocks"), [("1.34", False), ("1.33", True), ("1.36", True)])
def test_node_groups_must_run_the_control_planes_minor_before_it_moves(kubelet, blocks):
    # EKS's update-cluster page: managed nodes on the control plane's minor before a control-plane update;
    # then, while they are replaced, one minor behind the target (the skew policy allows three).
    report = upgrade.check([_cluster("1.34"), _nodes(kubelet)], "1.35", [])
    assert any("node group" in line for line in _blocking(report)) is blocks


@pytest.mark.parametrize(("current", "target"), [("1.34", "1.36"), ("1.34", "1.34"), ("1.35", "1.34")])
def test_the_bump_is_one_minor_up_never_more_never_down(current, target):
    report = upgrade.check([_cluster(current)], target, [])
    (line,) = _blocking(report)
    assert "kubernetesVersion" in line


def test_every_requirement_range_is_well_formed_and_sourced():
    for chart, statements in CHART_STATEMENTS.items():
        for s in statements:
            assert s.source, chart
            assert s.read, chart
            assert s.kube_min or s.kube_max, chart
    assert first_supporting("aws-load-balancer-controller", "1.20") == "1.2.0"
    assert any(s.kind is Kind.TESTED for s in CHART_STATEMENTS["keda"])


@pytest.mark.parametrize(
    ("before", "after", "refused"),
    [
        ("1.34", "1.35", None),
        ("1.34", "1.34", None),
        (None, "1.35", None),  # a new cluster
        ("1.34", "1.36", "skips a minor"),
        ("1.35", "1.34", "downgrade"),
        ("1.34", "[unknown]", None),
    ],
)
def test_a_version_change_moves_one_minor_up_at_most(before, after, refused):
    problem = upgrade.version_change_problem(before, after)
    assert (problem is None) if refused is None else (refused in str(problem))
    if problem:
        assert problem.startswith("platform:cluster.kubernetesVersion:")
