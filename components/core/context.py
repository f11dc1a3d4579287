"""Facts about the AWS account and region an environment lives in, looked up once per program."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsContext:
    """Account, partition and region, shared by every component that writes ARNs or policies.

    Attributes:
        region: the region name from the stack settings (known before anything runs).
        account_id: the account the provider's credentials belong to.
        partition: ``aws`` outside China and GovCloud; ARNs are built with it, never hard-coded.
    """

    region: str
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]

    @staticmethod
    def lookup(region: str, provider: aws.Provider) -> AwsContext:
        """Ask the provider who it is. Both calls are data sources: nothing is created."""
        opts = pulumi.InvokeOutputOptions(provider=provider)
        return AwsContext(
            region=region,
            account_id=aws.get_caller_identity_output(opts=opts).account_id,
            partition=aws.get_partition_output(opts=opts).partition,
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
