"""Helm values of the add-ons (pure): the contracts other concerns rely on, and no secret in values."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from components.cluster import charts
from components.cluster.charts import CHARTS, Addon
from components.cluster.spec import ClusterAutoscalerSpec, LokiSpec, PrometheusSpec


def test_load_balancer_controller_creates_the_alb_ingress_class_and_uses_irsa():
    values = charts.load_balancer_controller_values("platform-dev", "ap-northeast-2", "vpc-1", "arn:role")
    assert values["ingressClass"] == "alb"
    assert values["createIngressClassResource"] is True
    assert values["serviceAccount"] == {
        "create": True,
        "name": "aws-load-balancer-controller",
        "annotations": {"eks.amazonaws.com/role-arn": "arn:role"},
    }
    assert values["vpcId"] == "vpc-1"


def test_prometheus_is_served_where_the_analysis_templates_look():
    assert CHARTS[Addon.KUBE_PROMETHEUS_STACK].release == "kube-prometheus-stack"
    assert CHARTS[Addon.KUBE_PROMETHEUS_STACK].namespace == "monitoring"
    values = charts.prometheus_values(PrometheusSpec(chart_version="79.7.1"), "dev", loki=True)
    # <fullname>-prometheus in the release namespace, port 9090: the chart's service naming.
    assert values["fullnameOverride"] == "kube-prometheus-stack"
    assert charts.PROMETHEUS_URL == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"


def test_alertmanager_reads_the_slack_webhook_from_a_mounted_secret():
    values = charts.prometheus_values(PrometheusSpec(chart_version="79.7.1"), "prod", loki=False)
    alertmanager = values["alertmanager"]
    assert alertmanager["alertmanagerSpec"]["secrets"] == ["alertmanager-slack"]
    slack = next(r for r in alertmanager["config"]["receivers"] if r["name"] == "slack")
    (config,) = slack["slack_configs"]
    assert config["api_url_file"] == "/etc/alertmanager/secrets/alertmanager-slack/webhook-url"
    assert "api_url" not in config
    assert "hooks.slack.com" not in json.dumps(values)
    assert alertmanager["config"]["route"]["receiver"] == "slack"


def test_grafana_admin_comes_from_a_synced_secret_not_the_chart_default():
    values = charts.prometheus_values(PrometheusSpec(chart_version="79.7.1"), "dev", loki=True)
    assert values["grafana"]["admin"] == {
        "existingSecret": "grafana-admin",
        "userKey": "admin-user",
        "passwordKey": "admin-password",
    }
    assert "adminPassword" not in values["grafana"]
    assert values["grafana"]["additionalDataSources"][0]["url"] == charts.LOKI_URL


def test_dev_prometheus_is_minimal_and_prod_keeps_a_month_on_a_volume():
    dev = charts.prometheus_values(PrometheusSpec(chart_version="79.7.1"), "dev", loki=False)
    assert dev["prometheus"]["prometheusSpec"]["retention"] == "2d"
    assert "storageSpec" not in dev["prometheus"]["prometheusSpec"]
    prod_spec = PrometheusSpec(
        chart_version="79.7.1", retention="30d", storage_gib=200, prometheus_replicas=2
    )
    prod = charts.prometheus_values(prod_spec, "prod", loki=True)["prometheus"]["prometheusSpec"]
    assert prod["retention"] == "30d"
    assert prod["replicas"] == 2
    claim = prod["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "200Gi"


def test_loki_retention_is_enforced_by_the_compactor():
    values = charts.loki_values(LokiSpec(chart_version="6.46.0", retention="2160h", storage_gib=100))
    assert values["loki"]["limits_config"]["retention_period"] == "2160h"
    assert values["loki"]["compactor"]["retention_enabled"] is True
    assert values["singleBinary"]["persistence"] == {"enabled": True, "size": "100Gi"}


def test_alloy_ships_pod_logs_to_the_loki_gateway():
    content = charts.alloy_values()["alloy"]["configMap"]["content"]
    assert 'loki.source.kubernetes "pods"' in content
    assert f'url = "{charts.LOKI_URL}/loki/api/v1/push"' in content


CONDITIONS_SCHEMA = Path(__file__).parent / "schemas" / "cluster-secret-store-conditions.json"


def test_cluster_secret_store_uses_the_operators_own_irsa_role_for_the_named_namespaces_only():
    spec = charts.cluster_secret_store_spec("ap-northeast-2", ["product", "monitoring", "product"])
    assert spec == {
        "provider": {"aws": {"service": "SecretsManager", "region": "ap-northeast-2"}},
        "conditions": [{"namespaces": ["monitoring", "product"]}],
    }


def test_cluster_secret_store_conditions_follow_the_crd_schema():
    schema = json.loads(CONDITIONS_SCHEMA.read_text())
    jsonschema.validate(charts.cluster_secret_store_spec("ap-northeast-2", ["product"])["conditions"], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"namespaces": ["Not_A_Namespace"]}], schema)


def test_argo_rollouts_installs_and_keeps_its_crds():
    values = charts.argo_rollouts_values()
    assert values["installCRDs"] is True
    assert values["keepCRDs"] is True


def test_every_chart_comes_from_an_https_repository():
    assert all(c.repository.startswith("https://") for c in CHARTS.values())
    assert set(CHARTS) == set(Addon)


def test_alloy_discovers_only_the_pods_of_its_own_node():
    # The alloy chart sets HOSTNAME to spec.nodeName (downward API); discovery filters on it, so a
    # DaemonSet without clustering ships each line once.
    assert 'field = "spec.nodeName=" + sys.env("HOSTNAME")' in charts.ALLOY_CONFIG
    assert charts.alloy_values()["controller"]["type"] == "daemonset"


def test_loki_on_s3_writes_to_its_bucket_with_its_role_and_keeps_no_keys():
    bucket = charts.LokiBucket("platform-prod-loki-1", "ap-northeast-2", "arn:role")
    values = charts.loki_values(LokiSpec(chart_version="6.46.0", storage="s3"), bucket)
    storage = values["loki"]["storage"]
    assert storage == {
        "type": "s3",
        "bucketNames": {"chunks": "platform-prod-loki-1", "ruler": "platform-prod-loki-1"},
        "s3": {"region": "ap-northeast-2"},
    }
    assert values["loki"]["schemaConfig"]["configs"][0]["object_store"] == "s3"
    assert values["loki"]["compactor"]["delete_request_store"] == "s3"
    assert values["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:role"}
    assert "accessKeyId" not in json.dumps(values)
    assert "secretAccessKey" not in json.dumps(values)


def test_cluster_autoscaler_image_is_pinned_to_the_checked_version():
    values = charts.cluster_autoscaler_values(ClusterAutoscalerSpec(chart_version="9.53.0"), "c", "r", "arn")
    assert values["image"] == {"tag": "v1.34.2"}
    pinned = ClusterAutoscalerSpec(chart_version="9.50.1", image_tag="v1.34.1")
    assert charts.cluster_autoscaler_values(pinned, "c", "r", "arn")["image"] == {"tag": "v1.34.1"}
