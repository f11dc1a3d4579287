"""Wiring shared by the data-tier component tests: a fake account context and well-known ARNs."""

from __future__ import annotations

import pulumi

from components.core.context import AwsContext

DATA_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/data-key-id"
SECRETS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets-key-id"
LOGS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/logs-key-id"
WORKLOADS_SG = "sg-workloads"
ZONES = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"]


def context() -> AwsContext:
    """An account context; call it inside ``runtime.run`` so its Outputs live on the test's loop."""
    return AwsContext(
        region="ap-northeast-2",
        account_id=pulumi.Output.from_input("123456789012"),
        partition=pulumi.Output.from_input("aws"),
    )
