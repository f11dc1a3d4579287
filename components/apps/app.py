"""One service of the product on Kubernetes, shipped by the strategy its spec names.

One component with a strategy enum rather than ``RollingDeployment``/``BlueGreenDeployment``/
``CanaryDeployment``: the three share everything but the workload kind and its extra Service (pod
template, hardening, secrets, autoscaler, disruption budget, Ingress), and changing a service's
strategy must be a stack-file edit. With three components, that edit would change the type token and
so every child's URN: Pulumi would replace the Ingress (and with it the ALB rules) and the Services
unless each change shipped aliases. With one, only the workload object is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.apps import manifests, objects
from components.apps.spec import AppSpec


@dataclass(frozen=True)
class AppArgs:
    """Inputs of :class:`App`.

    Attributes:
        service: the service's name in the namespace (``gateway``).
        spec: the validated service settings.
        target: environment, namespace, delivery settings and Redis address.
        provider: the cluster's Kubernetes provider; every object uses it explicitly.
        depends_on: what must be in place before the workload rolls out (its gates' AnalysisTemplates,
            the migrations, the workloads of the services named in ``after``). Only the workload waits
            for these: the objects before it need none of them and the ones beside it serve no pod of
            the new release before it rolls out. Defaults to nothing.
        stores: data stores every object waits for (an ExternalSecret reads the secrets they create).
            Defaults to nothing.
    """

    service: str
    spec: AppSpec
    target: manifests.Target
    provider: k8s.Provider
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    stores: Sequence[pulumi.Resource] = field(default_factory=tuple)


class App(pulumi.ComponentResource):
    """A service: ServiceAccount, ExternalSecret, Services, Ingress, Deployment or Rollout, autoscaler and
    disruption budget. ``workload`` is the Deployment or Rollout (what others wait for)."""

    workload: pulumi.CustomResource
    workload_name: str

    def __init__(self, name: str, args: AppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:apps:App", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        rendered = manifests.render_app(args.service, args.spec, args.target)

        def create(manifest: dict[str, Any], depends_on: Sequence[pulumi.Resource]) -> pulumi.CustomResource:
            options = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(depends_on)))
            return objects.create(objects.resource_name(name, manifest, args.service), manifest, options)

        prerequisites = [create(manifest, args.stores) for manifest in rendered.prerequisites]
        self.workload = create(rendered.workload, [*prerequisites, *args.stores, *args.depends_on])
        self.workload_name = rendered.workload["metadata"]["name"]
        for manifest in rendered.companions:
            create(manifest, args.stores)
        for manifest in rendered.dependents:
            create(manifest, [self.workload])
        self.register_outputs({"workload_name": self.workload_name})
