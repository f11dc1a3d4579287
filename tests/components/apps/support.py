"""Validators and fixtures shared by the services' tests.

* Core kinds are validated against the Kubernetes OpenAPI schemas that ``kubernetes-validate`` ships
  offline (strict: unknown fields fail).
* Argo Rollouts kinds are validated against ``schemas/argo-rollouts.json`` (the CRDs' field names);
  a Rollout's pod template is validated as the template of a Kubernetes Deployment.
* External Secrets and KEDA kinds against ``schemas/operators.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

from components.apps.manifests import Target
from components.apps.spec import AppSpec, DeliverySpec

HERE = Path(__file__).parent
KUBERNETES_VERSION = "1.34.0"
ARGO = json.loads((HERE / "schemas" / "argo-rollouts.json").read_text())
OPERATORS = json.loads((HERE / "schemas" / "operators.json").read_text())
CORE_GROUPS = ("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "autoscaling/v2", "policy/v1")


def validate(manifest: dict[str, Any]) -> None:
    """Fail with the schema's message when ``manifest`` is not a valid object of its kind."""
    kind = manifest["kind"]
    if manifest["apiVersion"] in CORE_GROUPS:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    elif kind in ARGO["definitions"]:
        jsonschema.validate(manifest, {**ARGO, "$ref": f"#/definitions/{kind}"})
        if kind == "Rollout":
            as_deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": manifest["metadata"]["name"]},
                "spec": {"selector": manifest["spec"]["selector"], "template": manifest["spec"]["template"]},
            }
            kubernetes_validate.validate(as_deployment, KUBERNETES_VERSION, strict=True)
    elif kind in OPERATORS["definitions"]:
        jsonschema.validate(manifest, {**OPERATORS, "$ref": f"#/definitions/{kind}"})
    else:
        raise AssertionError(f"no schema for {manifest['apiVersion']} {kind}")


def app(**fields: Any) -> AppSpec:
    """An ``AppSpec`` from stack-file (camelCase) fields, with a valid image unless one is given."""
    return AppSpec.model_validate({"image": "registry.example.com/product/gateway:v1.2.3", **fields})


TARGET = Target(
    environment="prod",
    namespace="product",
    delivery=DeliverySpec(),
    redis_address="redis.product.internal:6379",
    shared_env={"REDIS_HOST": "redis.product.internal"},
)
