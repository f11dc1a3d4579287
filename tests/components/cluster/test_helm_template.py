"""The pinned charts render with the program's values (``helm template``), run only where helm and the
charts' sources are at hand (no chart repository is reachable from the tests):

    HELM=/path/to/helm HELM_CHARTS=/path/to/charts venv/bin/pytest tests/components/cluster/test_helm_template.py

``HELM_CHARTS`` holds each chart's source at the version the stack files pin, one directory per chart
name (``loki`` from grafana/loki ``production/helm/loki`` at tag ``helm-loki-<v>``, ``alloy`` from
grafana/alloy ``operations/helm/charts/alloy`` at ``helm-chart/<v>``, ``cluster-autoscaler`` from
kubernetes/autoscaler ``charts/cluster-autoscaler`` at ``cluster-autoscaler-chart-<v>``). A chart whose
``Chart.yaml`` version differs from the pin is a failure, not a skip. The image test renders each chart
present in ``HELM_CHARTS`` (``keda`` from kedacore/charts ``keda`` at ``v<v>``, ``external-secrets`` from
external-secrets/external-secrets ``deploy/charts/external-secrets`` at ``helm-chart-<v>``,
``kube-prometheus-stack`` with its kube-state-metrics, prometheus-node-exporter and grafana subcharts in its
``charts/`` at the versions its Chart.yaml names, ...). Subcharts that the values disable
are dropped from a temporary copy's ``Chart.yaml`` (helm refuses to render with a declared dependency
missing from ``charts/``, even a disabled one); nothing else is changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.cluster import chart_images, charts
from components.cluster.spec import ClusterAutoscalerSpec, LokiSpec
from components.registry.spec import Upstream
from settings.config import platform_settings

HELM = os.environ.get("HELM")
CHARTS = Path(os.environ.get("HELM_CHARTS", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    not HELM or not Path(HELM).is_file() or not CHARTS.is_dir(),
    reason="set HELM and HELM_CHARTS to run helm template",
)
ROLE = "arn:aws:iam::123456789012:role/test"


def _addons(stack: str) -> dict[str, Any]:
    return platform_settings(stack).config.cluster.addons  # type: ignore[union-attr,return-value]


def _render(chart: str, version: str, values: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    source = CHARTS / chart
    meta = yaml.safe_load((source / "Chart.yaml").read_text())
    assert meta["version"] == version, f"{source} is chart {meta['version']}, the stack pins {version}"
    copy = tmp_path / chart
    shutil.copytree(source, copy)
    vendored = {p.name for p in (copy / "charts").iterdir()} if (copy / "charts").is_dir() else set()
    meta["dependencies"] = [d for d in meta.get("dependencies", []) if d["name"] in vendored]
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta))
    values_file = tmp_path / f"{chart}-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    namespace = charts.CHARTS[next(a for a, c in charts.CHARTS.items() if c.chart == chart)].namespace
    done = subprocess.run(
        [HELM or "helm", "template", chart, str(copy), "--namespace", namespace, "-f", str(values_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_loki_renders_with_the_stack_values(stack, tmp_path):
    spec: LokiSpec = _addons(stack).loki  # type: ignore[attr-defined]
    bucket = charts.LokiBucket(f"platform-{stack}-loki-123456789012", "ap-northeast-2", ROLE)
    docs = _render("loki", spec.chart_version, charts.loki_values(spec, bucket), tmp_path)
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "loki")
    rendered = yaml.safe_load(config["data"]["config.yaml"])
    account = next(d for d in docs if d["kind"] == "ServiceAccount" and d["metadata"]["name"] == "loki")
    if spec.storage.value == "s3":
        assert rendered["common"]["storage"]["s3"]["bucketnames"] == bucket.name
        assert account["metadata"]["annotations"][charts.IRSA_ANNOTATION] == ROLE
    else:
        assert "filesystem" in rendered["common"]["storage"]
    assert rendered["limits_config"]["retention_period"] == spec.retention


def test_alloy_renders_and_discovers_only_its_own_nodes_pods(tmp_path):
    docs = _render("alloy", _addons("prod").alloy.chart_version, charts.alloy_values(), tmp_path)  # type: ignore[attr-defined]
    daemonset = next(d for d in docs if d["kind"] == "DaemonSet")
    env = {e["name"]: e for e in daemonset["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["HOSTNAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]["config.alloy"]
    assert 'field = "spec.nodeName=" + sys.env("HOSTNAME")' in config


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_cluster_autoscaler_renders_the_clusters_minor(stack, tmp_path):
    settings = platform_settings(stack).config.cluster
    assert settings is not None
    spec: ClusterAutoscalerSpec = settings.addons.cluster_autoscaler
    values = charts.cluster_autoscaler_values(spec, f"{stack}-cluster", "ap-northeast-2", ROLE)
    docs = _render("cluster-autoscaler", spec.chart_version, values, tmp_path)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.rsplit(":", 1)[1].removeprefix("v").rsplit(".", 1)[0] == settings.kubernetes_version


HOST = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com"


def _images(node: Any) -> list[str]:
    """Every ``image`` string in a rendered document (containers, and the operator's custom resources)."""
    if isinstance(node, dict):
        found = [node["image"]] if isinstance(node.get("image"), str) else []
        return found + [i for value in node.values() for i in _images(value)]
    if isinstance(node, list):
        return [i for value in node for i in _images(value)]
    return []


def _program_values(chart: str, stack: str) -> dict[str, Any]:
    addons = _addons(stack)
    builders = {
        "loki": lambda: charts.loki_values(
            addons.loki,  # type: ignore[attr-defined]
            charts.LokiBucket("platform-loki", "ap-northeast-2", ROLE),
        ),
        "alloy": charts.alloy_values,
        "keda": charts.keda_values,
        "external-secrets": lambda: charts.external_secrets_values(ROLE),
        "kube-prometheus-stack": lambda: charts.prometheus_values(addons.kube_prometheus_stack, stack, True),  # type: ignore[attr-defined]
        "cluster-autoscaler": lambda: charts.cluster_autoscaler_values(
            addons.cluster_autoscaler,  # type: ignore[attr-defined]
            "c",
            "ap-northeast-2",
            ROLE,
        ),
        "metrics-server": charts.metrics_server_values,
        "argo-rollouts": charts.argo_rollouts_values,
    }
    return builders[chart]()


@pytest.mark.parametrize(
    "chart",
    [
        "loki",
        "alloy",
        "keda",
        "external-secrets",
        "kube-prometheus-stack",
        "cluster-autoscaler",
        "metrics-server",
        "argo-rollouts",
    ],
)
def test_every_image_a_chart_installs_comes_through_the_cache_when_every_upstream_is_served(chart, tmp_path):
    """With Docker Hub and ghcr.io credentials too, nothing the release installs pulls from an upstream
    (helm test pods, run only by ``helm test``, aside)."""
    if not (CHARTS / chart).is_dir():
        pytest.skip(f"no {chart} in HELM_CHARTS")
    version = chart_images.CHART_IMAGES[chart].version
    values = chart_images.with_cache(
        chart, version, _program_values(chart, "prod"), HOST, frozenset(Upstream)
    )
    docs = _render(chart, version, values, tmp_path)
    installed = [
        d for d in docs if ((d.get("metadata") or {}).get("annotations") or {}).get("helm.sh/hook") != "test"
    ]
    images = {i for d in installed for i in _images(d)}
    assert images
    assert {i for i in images if not i.startswith(f"{HOST}/")} == set()
