"""CloudWatch log groups: retention values AWS accepts and a KMS-encrypted log group."""

from __future__ import annotations

from typing import Annotated

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator

# The only retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def _retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(v) for v in LOG_RETENTION_DAYS)
        raise ValueError(f"must be one of the retention periods CloudWatch accepts: {allowed}")
    return value


RetentionDays = Annotated[int, AfterValidator(_retention)]
"""Days of log retention, validated against CloudWatch's allowed values."""


def encrypted_log_group(
    name: str,
    log_group_name: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the environment's logs key.

    The key's policy must admit ``logs.<region>.amazonaws.com`` (see ``components.security.key_policies``).
    """
    return aws.cloudwatch.LogGroup(
        name,
        name=log_group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=opts,
    )
