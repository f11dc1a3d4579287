"""One customer-managed KMS key per data class of an environment."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.core import iam
from components.core.context import AwsContext
from components.core.model import Spec
from components.core.naming import key_alias
from components.security.key_policies import DESCRIPTIONS, KeyPurpose, key_policy


class KeysSpec(Spec):
    """Settings shared by the environment's keys.

    Attributes:
        rotation_period_days: automatic rotation period, 90-2560 days. Defaults to 90 (quarterly, as
            the security baseline asks).
        deletion_window_days: waiting period before a scheduled deletion, 7-30 days. Defaults to 30;
            prod may not go below 30.
        autoscaling_service_linked_role_exists: ``true`` when the account already has
            ``AWSServiceRoleForAutoScaling``: the account's bootstrap creates it
            (``bootstrap:createAutoscalingServiceLinkedRole``), so every stack file of this repository
            says ``true``. Defaults to ``false``: this stack creates it (kept on delete) before the
            cluster key, whose policy names it — KMS rejects a key policy naming a principal that does
            not exist (``MalformedPolicyDocumentException``), and IAM a second creation of the role:
            exactly one stack of all projects of an account creates it
            (tests/bootstrap/test_account_names.py).
    """

    rotation_period_days: int = Field(default=90, ge=90, le=2560)
    deletion_window_days: int = Field(default=30, ge=7, le=30)
    autoscaling_service_linked_role_exists: bool = False


@dataclass(frozen=True)
class KeysArgs:
    """Inputs of :class:`Keys`.

    Attributes:
        spec: rotation and deletion settings.
        context: account, partition and region for the key policies.
        environment: environment name, used in aliases (``alias/platform-<env>-<purpose>``).
        protect: mark the keys ``protect=True`` (the tier decides; see ``components.core.tier``).
    """

    spec: KeysSpec
    context: AwsContext
    environment: str
    protect: bool


class Keys(pulumi.ComponentResource):
    """The environment's KMS keys: ``data``, ``secrets``, ``logs`` and ``cluster``.

    Rotation is always on. Each key has the alias ``alias/platform-<env>-<purpose>``.
    """

    arns: dict[KeyPurpose, pulumi.Output[str]]

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:security:Keys", name, None, opts)
        ctx = args.context
        self.arns = {}
        # The cluster key's policy names the Auto Scaling service-linked role (node volumes): it must
        # exist first. Kept on delete: it is the account's, and other stacks' node groups use it.
        autoscaling_role = (
            None
            if args.spec.autoscaling_service_linked_role_exists
            else aws.iam.ServiceLinkedRole(
                f"{name}-autoscaling-service-role",
                aws_service_name="autoscaling.amazonaws.com",
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        )
        for purpose in KeyPurpose:
            policy = _policy_json(purpose, ctx)
            after = (
                [autoscaling_role] if autoscaling_role is not None and purpose == KeyPurpose.CLUSTER else []
            )
            key = aws.kms.Key(
                f"{name}-{purpose.value}",
                description=f"platform {args.environment}: {DESCRIPTIONS[purpose]}",
                enable_key_rotation=True,
                rotation_period_in_days=args.spec.rotation_period_days,
                deletion_window_in_days=args.spec.deletion_window_days,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=policy,
                tags={"purpose": purpose.value},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=after),
            )
            aws.kms.Alias(
                f"{name}-{purpose.value}",
                name=key_alias(args.environment, purpose.value),
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.arns[purpose] = key.arn
        self.register_outputs({f"{purpose.value}_key_arn": arn for purpose, arn in self.arns.items()})

    @property
    def data(self) -> pulumi.Output[str]:
        return self.arns[KeyPurpose.DATA]

    @property
    def secrets(self) -> pulumi.Output[str]:
        return self.arns[KeyPurpose.SECRETS]

    @property
    def logs(self) -> pulumi.Output[str]:
        return self.arns[KeyPurpose.LOGS]

    @property
    def cluster(self) -> pulumi.Output[str]:
        return self.arns[KeyPurpose.CLUSTER]


def _policy_json(purpose: KeyPurpose, ctx: AwsContext) -> pulumi.Output[str]:
    def render(values: list[str]) -> str:
        partition, account_id = values
        return iam.dumps(key_policy(purpose, partition, account_id, ctx.region))

    return pulumi.Output.all(ctx.partition, ctx.account_id).apply(render)
