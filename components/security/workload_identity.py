"""An IAM role for one Kubernetes ServiceAccount through EKS Pod Identity, granted exactly what it uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


@dataclass(frozen=True)
class WorkloadIdentityArgs:
    """Inputs of :class:`WorkloadIdentity`.

    Attributes:
        role_name: the role's name (``components.apps.identity.role_name``).
        context: account, partition and region.
        cluster_name: the EKS cluster whose Pod Identity agent hands out the role.
        cluster_arn: the cluster's ARN (the trust policy's ``aws:SourceArn``).
        namespace: the ServiceAccount's namespace.
        review_namespaces: review environments' namespaces (``pr-<n>``) whose ServiceAccount of the same
            name gets the role too (an association each). Defaults to none.
        service_account: the ServiceAccount's name.
        grants: policy statements handed out by the stores (``Buckets.grant``, ``Postgres.grant_connect``,
            ``Redis.grant_connect``, ``Secrets.grant_read``). Defaults to none (a role with no permission:
            the workload is still told apart from the node's identity).
        permissions_boundary: a managed policy every role the program creates must carry. Defaults to none.
        cluster_ready: what must exist before the association (the cluster). Defaults to nothing.
    """

    role_name: str
    context: AwsContext
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    namespace: str
    service_account: str
    grants: Sequence[pulumi.Input[list[dict[str, Any]]]] = field(default_factory=tuple)
    permissions_boundary: pulumi.Input[str] | None = None
    cluster_ready: Sequence[pulumi.Resource] = field(default_factory=tuple)
    review_namespaces: Sequence[str] = field(default_factory=tuple)


class WorkloadIdentity(pulumi.ComponentResource):
    """The role (trusted by EKS Pod Identity only, for this account and cluster), its inline policy made of
    the stores' grants, and the Pod Identity association of ``namespace/service_account``."""

    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:security:WorkloadIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        role = aws.iam.Role(
            name,
            name=args.role_name,
            assume_role_policy=pulumi.Output.all(ctx.account_id, args.cluster_arn).apply(
                lambda v: iam.dumps(pod_identity_trust(v[0], v[1]))
            ),
            description=f"EKS Pod Identity: {args.namespace}/{args.service_account}",
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        if args.grants:
            aws.iam.RolePolicy(
                name,
                role=role.id,
                policy=pulumi.Output.all(*args.grants).apply(lambda groups: iam.dumps(combine(groups))),
                opts=child,
            )
        for namespace in (args.namespace, *args.review_namespaces):
            aws.eks.PodIdentityAssociation(
                name if namespace == args.namespace else f"{name}-{namespace}",
                cluster_name=args.cluster_name,
                namespace=namespace,
                service_account=args.service_account,
                role_arn=role.arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.cluster_ready)),
            )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})


def pod_identity_trust(account_id: str, cluster_arn: str) -> dict[str, Any]:
    """Only the EKS Pod Identity service may assume the role, for this account's cluster (the agent tags
    the session with the pod's namespace and ServiceAccount, hence ``sts:TagSession``)."""
    return iam.document(
        {
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnEquals": {"aws:SourceArn": cluster_arn},
            },
        }
    )


def combine(groups: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    """One policy document from the stores' grants; statement ids are numbered to stay unique."""
    statements = [statement for group in groups for statement in group]
    return iam.document(
        *(
            {**statement, "Sid": f"{statement.get('Sid', 'Grant')}{i}"}
            for i, statement in enumerate(statements)
        )
    )
