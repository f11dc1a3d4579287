"""The account's permissions boundary: the managed policy every IAM role of the account carries (the
delivery roles', and every role the programs create, enforced by the policy pack)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.bootstrap.access import permissions_boundary_policy
from components.core import iam
from components.core.context import AwsContext


@dataclass(frozen=True)
class PermissionsBoundaryArgs:
    """Inputs of :class:`PermissionsBoundary`.

    Attributes:
        context: account and partition.
        protected_bucket_arns: buckets no role may reconfigure or delete (the state and audit buckets).
    """

    context: AwsContext
    protected_bucket_arns: tuple[pulumi.Input[str], ...]


class PermissionsBoundary(pulumi.ComponentResource):
    """The policy ``platform-permissions-boundary`` (its name is the contract: the programs derive its ARN)."""

    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: PermissionsBoundaryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:bootstrap:PermissionsBoundary", name, None, opts)
        ctx = args.context
        document = pulumi.Output.all(ctx.partition, ctx.account_id, *args.protected_bucket_arns).apply(
            lambda v: iam.dumps(permissions_boundary_policy(v[0], v[1], tuple(v[2:])))
        )
        policy = aws.iam.Policy(
            name,
            name=iam.PERMISSIONS_BOUNDARY_NAME,
            description="Ceiling of every IAM role in this account (see the README's bootstrap section)",
            policy=document,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = policy.arn
        self.register_outputs({"arn": self.arn})
