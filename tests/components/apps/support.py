"""Validators and fixtures shared by the services' tests.

* Core kinds are validated against the Kubernetes OpenAPI schemas that ``kubernetes-validate`` ships
  offline (strict: unknown fields fail).
* Custom kinds (Argo Rollouts, External Secrets, KEDA, the Prometheus operator's ServiceMonitor) are
  validated against the real CRD schemas in ``schemas/crds/`` (provenance in ``PROVENANCE.md``), made
  structural the way the API server applies them: unknown fields are errors unless the schema says
  ``x-kubernetes-preserve-unknown-fields``; ``nullable`` admits null; ``x-kubernetes-int-or-string``
  admits an integer or a string. A Rollout's pod template is also validated as a Deployment's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.exceptions
import jsonschema.protocols
import jsonschema.validators
import kubernetes_validate

from components.apps.manifests import Target
from components.apps.spec import AppSpec, DeliverySpec
from infra.contract import platform_services
from settings import stacks
from settings.config import ServicesSettings, parse_services, platform_settings

HERE = Path(__file__).parent
KUBERNETES_VERSION = "1.34.0"
CRDS = HERE / "schemas" / "crds"
CORE_GROUPS = ("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "autoscaling/v2", "policy/v1")


_OBJECT_META = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}


def structural(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an ``openAPIV3Schema``) as a JSON Schema that rejects what the API server prunes or
    refuses: unknown fields (unless preserved), null (unless ``nullable``), and that accepts an integer or
    a string where the schema says ``x-kubernetes-int-or-string``."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: structural(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = structural(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [structural(sub) for sub in value]
        elif key == "not":
            out[key] = structural(value)
        elif not key.startswith("x-kubernetes-") and key != "nullable":
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        schema.get("type") == "object"
        and "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _crd_schema(path: Path) -> dict[str, Any]:
    api_group, version, _kind = path.stem.split("_")
    schema = structural(json.loads(path.read_text()))
    # The API server validates metadata itself (ObjectMeta); the CRD leaves it open. The fields used here:
    schema["properties"]["metadata"] = _OBJECT_META
    schema["properties"]["apiVersion"] = {"const": f"{api_group}/{version}"}
    return schema


CRD_SCHEMAS = {path.stem.split("_")[2]: _crd_schema(path) for path in sorted(CRDS.glob("*.json"))}


@functools.cache
def _crd_validator(kind: str) -> jsonschema.protocols.Validator:
    """The kind's validator, its schema checked against the metaschema once (``jsonschema.validate``
    checks it on every call: 0.3 s for a Rollout's schema, most of the manifest tests' time)."""
    schema = CRD_SCHEMAS[kind]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(manifest: dict[str, Any]) -> None:
    """Fail with the schema's message when ``manifest`` is not a valid object of its kind."""
    kind = manifest["kind"]
    if manifest["apiVersion"] in CORE_GROUPS:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    elif kind in CRD_SCHEMAS:
        error = jsonschema.exceptions.best_match(_crd_validator(kind).iter_errors(manifest))
        if error is not None:
            raise error  # what jsonschema.validate raises
        if kind == "Rollout":
            as_deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": manifest["metadata"]["name"]},
                "spec": {"selector": manifest["spec"]["selector"], "template": manifest["spec"]["template"]},
            }
            kubernetes_validate.validate(as_deployment, KUBERNETES_VERSION, strict=True)
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
    return dict(stacks.read(stack, stacks.Project.SERVICES).config)


def services_settings(stack: str, edit=None, raw: dict[str, str] | None = None) -> ServicesSettings:
    """The services stack ``stack`` parsed on its platform stack, ``edit(apps)`` applied first."""
    config = dict(raw if raw is not None else services_raw(stack))
    if edit is not None:
        apps = json.loads(config["services:apps"])
        edit(apps)
        config["services:apps"] = json.dumps(apps)
    return parse_services(config, stack, platform_settings(stack))
