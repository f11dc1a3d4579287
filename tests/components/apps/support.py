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
from infra.config import ServicesSettings, parse_services
from infra.contract import platform_services
from infra.preview import runner
from infra.stacks import Project, platform_settings, project_dir

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


PLATFORM = platform_services()
"""The platform's names the services are rendered against (``infra.contract``)."""

TARGET = Target(
    environment="prod",
    namespace=PLATFORM.namespace,
    delivery=DeliverySpec(),
    secret_store=PLATFORM.secret_store,
    prometheus_url=PLATFORM.prometheus_url,
    ingress_class=PLATFORM.ingress_class,
    redis_address="redis.product.internal:6379",
    shared_env={"REDIS_HOST": "redis.product.internal"},
)


def target(stack: str, delivery: DeliverySpec, redis: str = "redis:6379", env=None) -> Target:
    """A ``Target`` for ``stack`` with the platform's names."""
    return Target(
        environment=stack,
        namespace=PLATFORM.namespace,
        delivery=delivery,
        secret_store=PLATFORM.secret_store,
        prometheus_url=PLATFORM.prometheus_url,
        ingress_class=PLATFORM.ingress_class,
        redis_address=redis,
        shared_env=env if env is not None else {"REDIS_HOST": "redis"},
    )


def services_raw(stack: str) -> dict[str, str]:
    """The raw config of the services stack file ``stack`` (as the host hands it to the program)."""
    return dict(runner.read_stack_file(stack, project_dir(Project.SERVICES)).config)


def services_settings(stack: str, edit=None, raw: dict[str, str] | None = None) -> ServicesSettings:
    """The services stack ``stack`` parsed on its platform stack, ``edit(apps)`` applied first."""
    config = dict(raw if raw is not None else services_raw(stack))
    if edit is not None:
        apps = json.loads(config["services:apps"])
        edit(apps)
        config["services:apps"] = json.dumps(apps)
    return parse_services(config, stack, platform_settings(stack))
