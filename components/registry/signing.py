"""``SigningKey``: the asymmetric KMS key CI signs images with, and its public key for admission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.registry.policies import SIGNING_KEY_TAG, promotion_key_reads, signing_key_alias
from components.registry.spec import SigningKeySpec


def signing_key_policy(
    partition: str, account_id: str, promotion_role_arns: Sequence[str] = ()
) -> dict[str, object]:
    """The account root's full control (use is granted by IAM: the push role's ``kms:Sign``), and the next
    environment's push role reading the public key, which its promotion verifies this environment's
    signatures with (``cosign verify --key awskms:///<alias ARN>``)."""
    return iam.document(
        {
            "Sid": "AccountRootFullControl",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        *promotion_key_reads(partition, promotion_role_arns),
    )


@dataclass(frozen=True)
class SigningKeyArgs:
    """Inputs of :class:`SigningKey`.

    Attributes:
        spec: ``platform:registry.signingKey`` (validated asymmetric ``SIGN_VERIFY``).
        context: account and partition for the key policy.
        environment: the stack name (the alias).
        deletion_window_days: the key's deletion window (``platform:keys.deletionWindowDays``).
        protect: protect the key (the tier decides): every signature in every registry depends on it.
        promotion_role_arns: the next environment's push role(s) (``platform:registry.promotionRoleArns``),
            which read the public key to verify what they promote. Defaults to none.
    """

    spec: SigningKeySpec
    context: AwsContext
    environment: str
    deletion_window_days: int = 30
    protect: bool = False
    promotion_role_arns: Sequence[str] = ()


class SigningKey(pulumi.ComponentResource):
    """The image-signing key (``SIGN_VERIFY``, no rotation: AWS rotates only symmetric keys; a new key is a
    new public key in the admission policy) and its public key, read once by the program."""

    key_arn: pulumi.Output[str]
    public_key_pem: pulumi.Output[str]
    """What admission verifies signatures with: embedded in the policy, so admission makes no KMS call."""

    def __init__(self, name: str, args: SigningKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:registry:SigningKey", name, None, opts)
        ctx = args.context
        key = aws.kms.Key(
            name,
            description=f"platform {args.environment}: signs container images (cosign awskms:///<ARN>)",
            key_usage=args.spec.key_usage,
            customer_master_key_spec=args.spec.key_spec,
            enable_key_rotation=False,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id).apply(
                lambda v: iam.dumps(signing_key_policy(v[0], v[1], args.promotion_role_arns))
            ),
            tags=dict([SIGNING_KEY_TAG]),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.kms.Alias(
            name,
            name=signing_key_alias(args.environment),
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        public = aws.kms.get_public_key_output(key_id=key.arn, opts=pulumi.InvokeOutputOptions(parent=self))
        self.key_arn = key.arn
        self.public_key_pem = public.public_key_pem
        self.register_outputs({"key_arn": self.key_arn, "public_key_pem": self.public_key_pem})
