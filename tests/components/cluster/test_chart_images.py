"""The charts' images through the pull-through cache: each key as read in the chart's values.yaml at the
pinned version, applied only for the upstreams the stack's cache serves, and only at that version.

With the charts' values files at hand, every key is also checked in the real file:

    CHART_VALUES=/path/to/dir venv/bin/pytest tests/components/cluster/test_chart_images.py -n0

``CHART_VALUES/<chart>/values.yaml`` is the chart's values.yaml at ``CHART_IMAGES[chart].version`` (its
``source``), and ``CHART_VALUES/<chart>/charts/<subchart>/values.yaml`` each subchart's a key starts with.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from components.cluster.chart_images import CHART_IMAGES, cache_values, unchecked, with_cache
from components.cluster.charts import CHARTS, Addon
from components.registry.admission import KYVERNO_CHART
from components.registry.spec import CACHE_PREFIXES, UPSTREAM_URLS, AdmissionSpec, Upstream
from settings.stackfile import read_stack_file
from tests.conftest import STACKS
from tests.helpers import inputs, of_type
from tools.preview import runner

HOST = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com"
ALL = frozenset(Upstream)
FREE = frozenset({Upstream.K8S, Upstream.QUAY, Upstream.ECR_PUBLIC})
HOSTS = {**UPSTREAM_URLS, Upstream.DOCKER_HUB: "docker.io"}  # charts name Docker Hub docker.io
ALIASES = {
    # a default that is not the upstream's own host: the image is published there too (CHART_IMAGES notes)
    ("external-secrets", "oci.external-secrets.io"): Upstream.GHCR,
    ("kyverno", "~"): Upstream.GHCR,
}


def leaves(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        out.update(leaves(value, path) if isinstance(value, dict) else {path: value})
    return out


@pytest.mark.parametrize("chart", sorted(CHART_IMAGES))
def test_every_recorded_key_and_only_those_are_set_with_every_upstream_served(chart: str):
    images = CHART_IMAGES[chart]
    set_ = leaves(cache_values(chart, images.version, HOST, ALL))
    assert set(set_) == {image.key for image in images.images}
    for image in images.images:
        expected = f"{HOST}/{CACHE_PREFIXES[image.upstream]}"
        assert set_[image.key] == (f"{expected}/{image.repository}" if image.repository else expected)


@pytest.mark.parametrize("chart", sorted(CHART_IMAGES))
def test_each_default_is_on_the_upstream_it_is_cached_from(chart: str):
    for image in CHART_IMAGES[chart].images:
        host = image.default
        if image.repository:
            assert image.default.endswith(f"/{image.repository}")
            host = image.default.removesuffix(f"/{image.repository}")
        assert HOSTS[image.upstream] == host or ALIASES.get((chart, host)) == image.upstream


def test_only_the_upstreams_the_cache_serves_are_pointed_at_it():
    prometheus = leaves(cache_values("kube-prometheus-stack", "79.7.1", HOST, FREE))
    assert "grafana.image.registry" not in prometheus  # Docker Hub: only with its credential
    assert prometheus["grafana.sidecar.image.registry"] == f"{HOST}/quay"
    assert prometheus["kube-state-metrics.image.registry"] == f"{HOST}/k8s"
    assert leaves(cache_values("alloy", "1.2.0", HOST, FREE)) == {
        "configReloader.image.registry": f"{HOST}/quay"
    }
    for chart in ("loki", "keda", "external-secrets", "kyverno"):
        assert cache_values(chart, CHART_IMAGES[chart].version, HOST, FREE) == {}


def test_a_chart_version_whose_keys_were_not_checked_keeps_its_upstream_and_says_why():
    values = {"image": {"tag": "v1.35.0"}}
    assert with_cache("cluster-autoscaler", "9.99.0", values, HOST, ALL) is values
    why = unchecked("cluster-autoscaler", "9.99.0")
    assert why is not None
    assert "checked at 9.54.0" in why
    assert "chart_images.py" in why
    assert unchecked("cluster-autoscaler", "9.54.0") is None
    assert unchecked("not-a-chart", "1.0.0") is None


def test_the_override_merges_into_the_programs_values():
    values = {"image": {"tag": "v1.35.0"}, "cloudProvider": "aws"}
    cached = with_cache("cluster-autoscaler", "9.54.0", values, HOST, FREE)
    assert cached == {
        "image": {"tag": "v1.35.0", "repository": f"{HOST}/k8s/autoscaling/cluster-autoscaler"},
        "cloudProvider": "aws",
    }
    assert values == {"image": {"tag": "v1.35.0"}, "cloudProvider": "aws"}


def _config(stack: str) -> dict[str, Any]:
    return YAML(typ="safe").load((runner.ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())["config"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_chart_a_stack_pins_is_the_version_its_image_keys_were_checked_at(stack: str):
    config = _config(stack)
    pinned = {
        CHARTS[Addon(name)].chart: addon["chartVersion"]
        for name, addon in config["platform:cluster"]["addons"].items()
    }
    external_dns = config.get("platform:dns", {}).get("externalDns")
    if external_dns:
        pinned["external-dns"] = external_dns["chartVersion"]
    admission = config.get("platform:registry", {}).get("admission") or {}
    pinned[KYVERNO_CHART] = admission.get("chartVersion", AdmissionSpec().chart_version)
    assert set(pinned) == set(CHART_IMAGES)  # every chart the platform installs is accounted for
    assert {chart: CHART_IMAGES[chart].version for chart in pinned} == pinned


VALUES = Path(os.environ.get("CHART_VALUES", "/nonexistent"))


@pytest.mark.skipif(not VALUES.is_dir(), reason="set CHART_VALUES to the charts' values files")
@pytest.mark.parametrize("chart", sorted(CHART_IMAGES))
def test_each_key_is_in_the_charts_real_values_yaml_with_the_recorded_default(chart: str):
    yaml = YAML(typ="safe")
    for image in CHART_IMAGES[chart].images:
        first, *rest = image.key.split(".")
        sub = VALUES / chart / "charts" / first / "values.yaml"
        path, keys = (sub, rest) if sub.is_file() else (VALUES / chart / "values.yaml", [first, *rest])
        node: Any = yaml.load(path.read_text())
        for key in keys:
            assert isinstance(node, dict), f"{chart}: {image.key} not in {path}"
            assert key in node, f"{chart}: {image.key} not in {path}"
            node = node[key]
        assert ("~" if node is None else node) == image.default, f"{chart}: {image.key} = {node!r}"


CREDENTIALS = {"docker-hub": "ecr-pullthroughcache/dockerhub-ci", "github-container-registry": None}
"""A secret named in the stack file (Docker Hub), and the default name (ghcr.io)."""


def test_a_named_credential_secret_is_looked_up_by_that_name_and_the_charts_pull_through_its_rule(tmp_path):
    (tmp_path / "infra").mkdir()
    shutil.copy(runner.ROOT / "infra" / "Pulumi.yaml", tmp_path / "infra" / "Pulumi.yaml")
    yaml = YAML()
    document = yaml.load((runner.ROOT / "infra" / "Pulumi.prod.yaml").read_text())
    document["config"]["platform:registry"]["pullThroughCache"] = [
        {"upstream": "k8s"},
        {"upstream": "quay"},
        {"upstream": "ecr-public"},
        *(
            {"upstream": upstream, **({"credentialSecret": name} if name else {})}
            for upstream, name in CREDENTIALS.items()
        ),
    ]
    with (tmp_path / "infra" / "Pulumi.prod.yaml").open("w") as out:
        yaml.dump(document, out)
    resources = runner.run_program(read_stack_file("prod", tmp_path / "infra"), preview=True).resources

    rules = {
        inputs(r)["ecrRepositoryPrefix"]: inputs(r).get("credentialArn")
        for r in of_type(resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    }
    # the ARN the lookup by name answered (the mocks: DescribeSecret of that name, with its suffix)
    arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:{}-AbC123"
    assert rules["docker-hub"] == arn.format("ecr-pullthroughcache/dockerhub-ci")
    assert rules["ghcr"] == arn.format("ecr-pullthroughcache/github-container-registry")
    host = "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com"
    values = {
        inputs(r)["name"]: inputs(r)["values"] for r in of_type(resources, "kubernetes:helm.sh/v3:Release")
    }
    assert values["kube-prometheus-stack"]["grafana"]["image"]["registry"] == f"{host}/docker-hub"
    assert values["loki"]["loki"]["image"]["registry"] == f"{host}/docker-hub"
    assert values["alloy"]["image"]["registry"] == f"{host}/docker-hub"
    assert values["keda"]["image"]["keda"]["registry"] == f"{host}/ghcr"
    assert (
        values["external-secrets"]["image"]["repository"] == f"{host}/ghcr/external-secrets/external-secrets"
    )
    assert values["kyverno"]["global"]["image"]["registry"] == f"{host}/ghcr"
    rendered = repr(values)  # role ARNs are unknown in a preview
    assert "docker.io" not in rendered
    assert "ghcr.io" not in rendered
