"""A service's database migrations as a Kubernetes ``Job`` that must finish before services roll out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.apps import manifests, objects
from components.apps.spec import AppSpec


@dataclass(frozen=True)
class MigrationArgs:
    """Inputs of :class:`Migration`.

    Attributes:
        service: the service whose image and secrets the migration uses.
        spec: the service's settings (``spec.migration`` must be set).
        target: environment, namespace and delivery settings.
        provider: the cluster's Kubernetes provider.
        depends_on: the data stores the migration needs. Defaults to nothing.
        after: migration Jobs that must finish before this one starts (the services share one
            database; two migrations changing its schema at once can block or deadlock each other).
            Only the Job waits for them. Defaults to nothing.
    """

    service: str
    spec: AppSpec
    target: manifests.Target
    provider: k8s.Provider
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    after: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Migration(pulumi.ComponentResource):
    """The migration's own ExternalSecret and its Job. Pulumi waits for the Job to complete (within
    ``timeoutSeconds``, enforced by ``activeDeadlineSeconds``) and fails the deploy when it does not."""

    job: pulumi.CustomResource
    job_name: pulumi.Output[str]

    def __init__(self, name: str, args: MigrationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:apps:Migration", name, None, opts)
        if args.spec.migration is None:
            raise ValueError(f"service {args.service!r} declares no migration")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        before: list[pulumi.Resource] = list(args.depends_on)
        for manifest in manifests.render_migration(args.service, args.spec, args.target):
            resource_name = f"{name}-{manifest['kind'].lower()}"
            waits = [*before, *args.after] if manifest["kind"] == "Job" else before
            created = objects.create(
                resource_name,
                manifest,
                pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(waits))),
            )
            before.append(created)
            self.job = created
        self.job_name = self.job.metadata.name  # type: ignore[attr-defined]
        self.register_outputs({"job_name": self.job_name})
