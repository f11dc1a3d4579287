"""The contract between the two projects: what the services stack reads from the platform stack.

Run-time values (endpoints, the cluster's CA, bucket names) come through a ``StackReference`` to the
platform stack of the same name. Names the services need while the program is being built (the
namespace the gates' PromQL selects on, the secret store, Prometheus, the IngressClass) are constants
owned by the platform component that creates the object; that component also exports them, and the
services program checks at deploy time that the platform stack it reads exports the same values (a
platform deployed from another revision fails the services run with a message instead of shipping into a
namespace that does not exist). ``tests/services/test_contract.py`` holds both sides together for every stack.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Any

import pulumi

from components.apps.product import PlatformServices
from components.cluster.charts import CLUSTER_SECRET_STORE, INGRESS_CLASS, PROMETHEUS_URL
from components.cluster.namespaces import PRODUCT_NAMESPACE

STACK_REFERENCE = "platform"
"""The resource name of the services program's ``StackReference`` (part of its URN)."""


class PlatformOutput(StrEnum):
    """Every platform stack output the services program may read."""

    CLUSTER_NAME = "cluster_name"
    CLUSTER_ENDPOINT = "cluster_endpoint"
    CLUSTER_CERTIFICATE_AUTHORITY = "cluster_certificate_authority"
    PRODUCT_NAMESPACE = "product_namespace"
    SECRET_STORE = "secret_store_name"
    PROMETHEUS_URL = "prometheus_url"
    INGRESS_CLASS = "ingress_class"
    POSTGRES_ENDPOINT = "postgres_endpoint"
    POSTGRES_PROXY_ENDPOINT = "postgres_proxy_endpoint"
    POSTGRES_READER_ENDPOINTS = "postgres_reader_endpoints"
    POSTGRES_PORT = "postgres_port"
    REDIS_PRIMARY_ENDPOINT = "redis_primary_endpoint"
    REDIS_PORT = "redis_port"
    BUCKET_NAMES = "bucket_names"
    ATLAS_CONNECTION_STRINGS = "atlas_connection_strings"
    WAF_WEB_ACL_ARN = "waf_web_acl_arn"
    ALB_ACCESS_LOG_BUCKET = "alb_access_log_bucket"
    CERTIFICATE_ARN = "certificate_arn"
    """The validated ACM certificate of ``platform:dns.certificateNames``, for the ingresses' HTTPS."""
    WORKLOAD_ROLE_ARNS = "workload_role_arns"
    FLAGS_APPLICATION_ID = "flags_application_id"
    """The feature flags' AppConfig store (``components/apps/flag_store.py``), where the services stack
    declares ``services:flags``."""
    FLAGS_ENVIRONMENT_ID = "flags_environment_id"
    FLAGS_HOLDS_ENVIRONMENT_ID = "flags_holds_environment_id"
    FLAGS_PROFILE_ID = "flags_profile_id"
    FLAGS_HOLDS_PROFILE_ID = "flags_holds_profile_id"
    FLAGS_STRATEGY_ID = "flags_strategy_id"


PLATFORM_NAMES: dict[PlatformOutput, str] = {
    PlatformOutput.PRODUCT_NAMESPACE: PRODUCT_NAMESPACE,
    PlatformOutput.SECRET_STORE: CLUSTER_SECRET_STORE,
    PlatformOutput.PROMETHEUS_URL: PROMETHEUS_URL,
    PlatformOutput.INGRESS_CLASS: INGRESS_CLASS,
}
"""The plain names the services program builds with, and the platform output that must agree."""


def platform_services() -> PlatformServices:
    """The platform's plain names, as :class:`components.apps.product.ProductServices` takes them."""
    return PlatformServices(
        namespace=PLATFORM_NAMES[PlatformOutput.PRODUCT_NAMESPACE],
        secret_store=PLATFORM_NAMES[PlatformOutput.SECRET_STORE],
        prometheus_url=PLATFORM_NAMES[PlatformOutput.PROMETHEUS_URL],
        ingress_class=PLATFORM_NAMES[PlatformOutput.INGRESS_CLASS],
    )


class PlatformStack:
    """The platform stack through a ``StackReference``; remembers which outputs were read."""

    def __init__(self, stack_name: str) -> None:
        self.stack_name = stack_name
        self._ref = pulumi.StackReference(STACK_REFERENCE, stack_name=stack_name)
        self.read: set[PlatformOutput] = set()

    def output(self, key: PlatformOutput) -> pulumi.Output[Any]:
        """The output ``key``; the run fails, naming the key and the stack, if the platform lacks it."""
        self.read.add(key)
        return self._ref.get_output(key.value).apply(lambda value: self._present(key, value))

    def agreement(self) -> pulumi.Output[dict[str, str]]:
        """The plain names, checked against what the platform stack exports (fails the run if not)."""
        checked: dict[str, pulumi.Output[str]] = {
            key.value: self.output(key).apply(functools.partial(self._agrees, key)) for key in PLATFORM_NAMES
        }
        return pulumi.Output.all(**checked)

    def identities(self, names: list[str]) -> pulumi.Output[dict[str, str]]:
        """The IAM role of each workload identity ``names``; the run fails, naming the missing ones, when
        the platform stack was deployed without them (a new service, or a changed ``uses``)."""
        if not names:
            return pulumi.Output.from_input({})
        return self.output(PlatformOutput.WORKLOAD_ROLE_ARNS).apply(functools.partial(self._has_roles, names))

    def _has_roles(self, names: list[str], roles: dict[str, str]) -> dict[str, str]:
        missing = sorted(set(names) - set(roles))
        if missing:
            raise pulumi.RunError(
                f"the platform stack {self.stack_name} has no workload identity for {', '.join(missing)}:"
                " deploy the platform stack from this revision first (it creates each service's role)"
            )
        return {name: roles[name] for name in sorted(names)}

    def _present(self, key: PlatformOutput, value: Any) -> Any:
        if value is None:
            raise pulumi.RunError(
                f"the platform stack {self.stack_name} has no output {key.value!r}: deploy the platform stack"
                " from this revision first (`pulumi up` in the repository root)"
            )
        return value

    def _agrees(self, key: PlatformOutput, got: Any) -> str:
        expected = PLATFORM_NAMES[key]
        if got != expected:
            raise pulumi.RunError(
                f"the platform stack {self.stack_name} exports {key.value}={got!r}, but this revision's services"
                f" expect {expected!r}: deploy the platform stack from this revision first"
            )
        return expected
