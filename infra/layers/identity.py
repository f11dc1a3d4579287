"""Identity: an IAM role per workload ServiceAccount (EKS Pod Identity), granted by the stores it uses.

The platform project creates the roles, their policies and the Pod Identity associations, from what each
service of the services stack file of the same name declares in ``uses`` (see docs/ARCHITECTURE.md,
"Workload identities", for why the platform and not the services project):

* the services deploy identity, which runs several times a day, then needs no IAM or EKS write at all and
  cannot grant a service (or itself) more than the platform deploy approved;
* the stores' side of each identity (an ElastiCache user, an Atlas IAM user, the proxy's database users)
  must exist beside the store, in the same change as the role it trusts;
* grants come from the store components themselves (``Buckets.grant``, ``Postgres.grant_connect``, ...),
  which the platform program holds as objects.

The cost: a new service, or a change of a service's ``uses``, is deployed by the platform stack first; the
services program checks that the platform it reads has an identity for each of its workloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.apps.flag_store import FlagStore
from components.apps.identity import WorkloadIdentity as Planned
from components.apps.identity import role_name, workload_identities
from components.cluster.namespaces import PRODUCT_NAMESPACE
from components.security.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from infra.layers.data import DataTier
from infra.layers.foundation import Foundation
from infra.layers.platform import Platform, review_environments
from settings.config import ServicesSettings


def plan(services: ServicesSettings | None) -> list[Planned]:
    """The workload identities of the services stack file (none without one)."""
    return workload_identities(services.config.apps) if services is not None else []


@dataclass(frozen=True)
class Identities:
    roles: dict[str, WorkloadIdentity]
    outputs: dict[str, Any] = field(default_factory=dict)


def grants(
    base: Foundation, stores: DataTier, planned: Planned, flags: FlagStore | None = None
) -> list[pulumi.Output[list[dict[str, Any]]]]:
    """What each store hands out to ``planned`` for what it ``uses`` (checked to exist when settings load)."""
    uses, found = planned.uses, []
    if uses.buckets:
        assert stores.buckets is not None
        found += [stores.buckets.grant(short, access.value) for short, access in sorted(uses.buckets.items())]
    if uses.secrets:
        found.append(base.secrets.grant_read(list(uses.secrets)))
    if uses.database:
        assert stores.postgres is not None
        found.append(stores.postgres.grant_connect(planned.name))
    if uses.cache:
        assert stores.redis is not None
        found.append(stores.redis.grant_connect(planned.name))
    if planned.reads_flags and flags is not None:
        found.append(flags.grant_read())
    # MongoDB Atlas trusts the role's ARN itself (an AWS IAM database user): no IAM statement is needed.
    return found


def build(
    base: Foundation,
    stores: DataTier,
    cluster: Platform | None,
    planned: list[Planned],
    flags: FlagStore | None = None,
) -> Identities:
    """A role and a Pod Identity association per planned identity (none without a cluster)."""
    if cluster is None or not planned:
        return Identities(roles={})
    ctx, env = base.context, base.env
    cluster_arn = pulumi.Output.concat(
        "arn:", ctx.partition, ":eks:", ctx.region, ":", ctx.account_id, ":cluster/", cluster.cluster.name
    )
    roles = {
        identity.name: WorkloadIdentity(
            f"{env}-workload-{identity.name}",
            WorkloadIdentityArgs(
                role_name=role_name(env, identity.name),
                context=ctx,
                cluster_name=cluster.cluster.name,
                cluster_arn=cluster_arn,
                namespace=PRODUCT_NAMESPACE,
                review_namespaces=review_environments(base),
                service_account=identity.service_account,
                grants=grants(base, stores, identity, flags),
                cluster_ready=cluster.cluster.ready,
                permissions_boundary=ctx.permissions_boundary,
            ),
            base.on_aws,
        )
        for identity in planned
    }
    return Identities(
        roles=roles,
        outputs={"workload_role_arns": {name: role.role_arn for name, role in roles.items()}},
    )
