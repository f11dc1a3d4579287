"""The product's namespace, locked down by default-deny NetworkPolicies and opened flow by flow."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.cluster.access import SERVICES_DEPLOYERS_GROUP, services_deployer_rules
from components.cluster.network_policies import product_policies

PRODUCT_NAMESPACE = "product"
POD_SECURITY_LEVEL = "restricted"
"""Pod Security Standard the product namespace enforces (the services' pods meet it)."""


@dataclass(frozen=True)
class ProductNamespaceArgs:
    """Inputs of :class:`ProductNamespace`.

    Attributes:
        k8s_provider: the cluster's Kubernetes provider.
        load_balancer_cidrs: the public subnets, where the ALBs that front the services live.
        data_cidrs: the data subnets, where Postgres, its proxy and Redis live.
        endpoint_cidrs: the app subnets, where the interface endpoints live (the Atlas PrivateLink
            endpoint among them, on ports 1024-65535).
        namespace: the namespace's name. Defaults to ``product`` (a contract the services rely on).
        cluster_ready: what must exist first (nodes, core add-ons). Defaults to nothing.
    """

    k8s_provider: k8s.Provider
    load_balancer_cidrs: tuple[str, ...]
    data_cidrs: tuple[str, ...]
    endpoint_cidrs: tuple[str, ...]
    namespace: str = PRODUCT_NAMESPACE
    cluster_ready: tuple[pulumi.Resource, ...] = ()


class ProductNamespace(pulumi.ComponentResource):
    """A namespace for the product's services.

    Pod Security admission enforces, warns and audits at ``restricted`` (non-root, no privilege
    escalation, all capabilities dropped, the runtime's seccomp profile: what the services' pod specs
    declare). NetworkPolicies deny all traffic, then allow DNS, traffic within the namespace, the ALBs in,
    Prometheus scraping in, the data tier's ports out, the Atlas PrivateLink endpoint's port range out
    and HTTPS out (AWS APIs, third-party APIs). The services project's deploy
    identities (Kubernetes group ``platform-services-deployers``) may manage the custom resources the
    services use here, on top of their EKS Edit access policy. ``name`` is the namespace the services
    project deploys into (a platform output).
    """

    name: str

    def __init__(
        self, name: str, args: ProductNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:cluster:ProductNamespace", name, None, opts)
        self.name = args.namespace
        namespace = k8s.core.v1.Namespace(
            name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.namespace,
                labels={
                    "pod-security.kubernetes.io/enforce": POD_SECURITY_LEVEL,
                    "pod-security.kubernetes.io/warn": POD_SECURITY_LEVEL,
                    "pod-security.kubernetes.io/audit": POD_SECURITY_LEVEL,
                },
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.k8s_provider, depends_on=list(args.cluster_ready)
            ),
        )
        deployer = k8s.rbac.v1.Role(
            f"{name}-services-deployer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICES_DEPLOYERS_GROUP, namespace=args.namespace),
            rules=services_deployer_rules(),
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[namespace]),
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-services-deployer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICES_DEPLOYERS_GROUP, namespace=args.namespace),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=SERVICES_DEPLOYERS_GROUP
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    api_group="rbac.authorization.k8s.io", kind="Group", name=SERVICES_DEPLOYERS_GROUP
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[deployer]),
        )
        for policy, spec in product_policies(
            args.load_balancer_cidrs, args.data_cidrs, args.endpoint_cidrs
        ).items():
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=policy, namespace=args.namespace),
                spec=spec,
                opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[namespace]),
            )
        self.register_outputs({"name": self.name})
