"""Facts about the AWS account and region an environment lives in, looked up once per program."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core.iam import permissions_boundary_arn

_ACCOUNT_ID = re.compile(r"\d{12}")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")


class DataSourceError(pulumi.RunError):
    """A data source answered something the program cannot build on (no account id, no zones).

    A ``RunError``: the language host prints the message without a traceback.
    """


def checked_account_id(value: str | None) -> str:
    """The caller identity's account id, or a :class:`DataSourceError` (never ``arn:aws:iam::None:root``)."""
    if value is None or not _ACCOUNT_ID.fullmatch(str(value)):
        raise DataSourceError(
            f"aws:getCallerIdentity answered account id {value!r}; expected 12 digits. Check the AWS"
            " credentials the provider uses (aws sts get-caller-identity)"
        )
    return str(value)


def checked_partition(value: str | None) -> str:
    """The provider's partition, or a :class:`DataSourceError` for an empty or unknown one."""
    if value not in _PARTITIONS:
        raise DataSourceError(
            f"aws:getPartition answered {value!r}; expected one of {', '.join(_PARTITIONS)}"
        )
    return str(value)


def checked_zones(names: list[str] | None, wanted: int, region: str) -> list[str]:
    """The first ``wanted`` available zones, or a :class:`DataSourceError` naming ``network.azCount``."""
    zones = [z for z in (names or []) if z]
    if len(zones) < wanted:
        raise DataSourceError(
            f"platform:network.azCount is {wanted}, but region {region} offers {len(zones)} available"
            f" availability zone(s) to this account ({', '.join(zones) or 'none'}); lower azCount or"
            " choose another region"
        )
    return zones[:wanted]


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

        The calls are plain (blocking) invokes: an answer the program cannot build on raises
        :class:`DataSourceError` here, before any resource that would use it is registered, rather than
        in an ``apply`` after the whole program has registered.

        Args:
            permissions_boundary: the boundary's ARN; defaults to the account's
                :data:`components.core.iam.PERMISSIONS_BOUNDARY_NAME` policy.
        """
        opts = pulumi.InvokeOptions(provider=provider)
        account_id = checked_account_id(aws.get_caller_identity(opts=opts).account_id)
        partition = checked_partition(aws.get_partition(opts=opts).partition)
        return AwsContext(
            region=region,
            account_id=pulumi.Output.from_input(account_id),
            partition=pulumi.Output.from_input(partition),
            permissions_boundary=pulumi.Output.from_input(
                permissions_boundary or permissions_boundary_arn(partition, account_id)
            ),
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
