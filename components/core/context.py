"""Facts about the AWS account and region an environment lives in, looked up once per program."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core.iam import permissions_boundary_arn


@dataclass(frozen=True)
class AwsContext:
    """Account, partition and region, shared by every component that writes ARNs or policies.

    Attributes:
        region: the region name from the stack settings (known before anything runs).
        account_id: the account the provider's credentials belong to.
        partition: ``aws`` outside China and GovCloud; ARNs are built with it, never hard-coded.
        permissions_boundary: the managed policy every IAM role created in this account carries as its
            permissions boundary (created by the account's bootstrap). ``None`` only for programs that
            create no role.
    """

    region: str
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    permissions_boundary: pulumi.Output[str] | None = None

    @staticmethod
    def lookup(region: str, provider: aws.Provider, permissions_boundary: str | None = None) -> AwsContext:
        """Ask the provider who it is. Both calls are data sources: nothing is created.

        Args:
            permissions_boundary: the boundary's ARN; defaults to the account's
                :data:`components.core.iam.PERMISSIONS_BOUNDARY_NAME` policy.
        """
        opts = pulumi.InvokeOutputOptions(provider=provider)
        account_id = aws.get_caller_identity_output(opts=opts).account_id
        partition = aws.get_partition_output(opts=opts).partition
        boundary = (
            pulumi.Output.from_input(permissions_boundary)
            if permissions_boundary
            else pulumi.Output.all(partition, account_id).apply(
                lambda v: permissions_boundary_arn(v[0], v[1])
            )
        )
        return AwsContext(
            region=region, account_id=account_id, partition=partition, permissions_boundary=boundary
        )

    def arn(
        self, service: str, resource: str, *, region: bool = True, account: bool = True
    ) -> pulumi.Output[str]:
        """``arn:<partition>:<service>:<region>:<account>:<resource>``, region/account left empty on request."""
        return pulumi.Output.concat(
            "arn:",
            self.partition,
            f":{service}:{self.region if region else ''}:",
            self.account_id if account else "",
            f":{resource}",
        )

    def root_principal(self) -> pulumi.Output[str]:
        """The account root principal ARN (``arn:aws:iam::<account>:root``)."""
        return self.arn("iam", "root", region=False)
