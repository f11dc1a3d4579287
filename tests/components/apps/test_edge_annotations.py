"""The Ingress carries the platform's WAF web ACL and ALB access-log bucket when given (default off).

Annotation names and value formats: AWS Load Balancer Controller v2.14.0,
``docs/guide/ingress/annotations.md`` (``wafv2-acl-arn``; ``load-balancer-attributes`` with
``access_logs.s3.enabled/bucket/prefix``); both are *Exclusive* within an IngressGroup.
"""

from __future__ import annotations

from dataclasses import replace

from components.apps import manifests
from components.apps.spec import AppSpec, DeliverySpec

WAF = "arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/platform-prod-public/abc"
LOGS = "platform-prod-alb-logs-123456789012"
TARGET = manifests.Target(
    environment="prod",
    namespace="product",
    delivery=DeliverySpec(),
    secret_store="aws-secrets-manager",
    prometheus_url="http://prometheus:9090",
    ingress_class="alb",
)
WAF_KEY = "alb.ingress.kubernetes.io/wafv2-acl-arn"
ATTRIBUTES_KEY = "alb.ingress.kubernetes.io/load-balancer-attributes"


def _ingress(target: manifests.Target, scheme: str = "internet-facing") -> dict:
    spec = AppSpec.model_validate(
        {
            "image": "registry.example.com/product/web:v1.2.3",
            "ingress": {"host": "app.example.com", "scheme": scheme},
        }
    )
    rendered = manifests.ingress("web", spec, target)
    assert rendered is not None
    return rendered["metadata"]["annotations"]


def test_without_platform_values_no_waf_or_access_log_annotation_is_rendered():
    annotations = _ingress(TARGET)
    assert WAF_KEY not in annotations
    assert ATTRIBUTES_KEY not in annotations


def test_internet_facing_alb_gets_the_web_acl_and_logs_under_its_group():
    annotations = _ingress(replace(TARGET, web_acl_arn=WAF, access_log_bucket=LOGS))
    assert annotations[WAF_KEY] == WAF
    group = annotations["alb.ingress.kubernetes.io/group.name"]
    assert annotations[ATTRIBUTES_KEY] == (
        f"access_logs.s3.enabled=true,access_logs.s3.bucket={LOGS},access_logs.s3.prefix={group}"
    )


def test_internal_alb_logs_but_gets_no_web_acl():
    annotations = _ingress(replace(TARGET, web_acl_arn=WAF, access_log_bucket=LOGS), scheme="internal")
    assert WAF_KEY not in annotations
    assert annotations[ATTRIBUTES_KEY].endswith("access_logs.s3.prefix=product-internal")
