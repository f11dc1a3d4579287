"""The pinned charts render with the program's values (``helm template``), run only where helm and the
charts' sources are at hand (no chart repository is reachable from the tests):

    HELM=/path/to/helm HELM_CHARTS=/path/to/charts venv/bin/pytest tests/components/cluster/test_helm_template.py

``HELM_CHARTS`` holds each chart's source at the version the stack files pin, one directory per chart
name (``loki`` from grafana/loki ``production/helm/loki`` at tag ``helm-loki-<v>``, ``alloy`` from
grafana/alloy ``operations/helm/charts/alloy`` at ``helm-chart/<v>``, ``cluster-autoscaler`` from
kubernetes/autoscaler ``charts/cluster-autoscaler`` at ``cluster-autoscaler-chart-<v>``). A chart whose
``Chart.yaml`` version differs from the pin is a failure, not a skip. Subcharts that the values disable
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

from components.cluster import charts
from components.cluster.spec import ClusterAutoscalerSpec, LokiSpec
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
