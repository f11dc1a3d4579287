"""An Atlas project whose data is encrypted at rest with the environment's AWS KMS data key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.core import iam
from components.core.context import AwsContext
from components.data.naming import atlas_region


@dataclass(frozen=True)
class AtlasProjectArgs:
    """Inputs of :class:`AtlasProject`.

    Attributes:
        project_name: the Atlas project's name.
        org_id: the Atlas organization.
        context: account, partition and region (the KMS key's region).
        data_key_arn: the environment's data key.
        encryption_at_rest: encrypt with the data key through cloud-provider access.
        access_cidrs: the only networks admitted to the project's clusters (the VPC, or its NAT addresses).
    """

    project_name: str
    org_id: str
    context: AwsContext
    data_key_arn: pulumi.Input[str]
    encryption_at_rest: bool
    access_cidrs: Sequence[pulumi.Input[str]]


class AtlasProject(pulumi.ComponentResource):
    """A project, its IP access list and (optionally) customer-key encryption at rest.

    Encryption at rest goes through Atlas cloud-provider access: Atlas gets an AWS account and an
    external id, this component creates an IAM role only that principal (with that external id) can
    assume, allowed to use the data key and nothing else, authorizes it in Atlas and turns on
    encryption at rest with it. Clusters depend on :attr:`ready`.
    """

    project_id: pulumi.Output[str]
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: AtlasProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:AtlasProject", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project = atlas.Project(
            name,
            name=args.project_name,
            org_id=args.org_id,
            with_default_alerts_settings=True,
            opts=child,
        )
        self.project_id = project.id
        self.ready = []
        for i, cidr in enumerate(args.access_cidrs):
            self.ready.append(
                atlas.ProjectIpAccessList(
                    f"{name}-access-{i}",
                    project_id=project.id,
                    cidr_block=cidr,
                    comment=f"{args.project_name}: from the environment's network",
                    opts=child,
                )
            )
        if args.encryption_at_rest:
            self.ready.append(self._encryption(name, args, project))
        self.register_outputs({"project_id": self.project_id})

    def _encryption(
        self, name: str, args: AtlasProjectArgs, project: atlas.Project
    ) -> atlas.EncryptionAtRest:
        child = pulumi.ResourceOptions(parent=self)
        setup = atlas.CloudProviderAccessSetup(name, project_id=project.id, provider_name="AWS", opts=child)
        role = aws.iam.Role(
            f"{name}-atlas-kms",
            description=f"{args.project_name}: Atlas uses the data key for encryption at rest",
            assume_role_policy=setup.aws_configs.apply(
                lambda configs: iam.dumps(
                    atlas_trust(configs[0].atlas_aws_account_arn, configs[0].atlas_assumed_role_external_id)
                )
            ),
            permissions_boundary=args.context.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-atlas-kms",
            role=role.id,
            policy=pulumi.Output.from_input(args.data_key_arn).apply(lambda arn: iam.dumps(key_use(arn))),
            opts=child,
        )
        authorization = atlas.CloudProviderAccessAuthorization(
            name,
            project_id=project.id,
            role_id=setup.role_id,
            aws=atlas.CloudProviderAccessAuthorizationAwsArgs(iam_assumed_role_arn=role.arn),
            opts=child,
        )
        return atlas.EncryptionAtRest(
            name,
            project_id=project.id,
            aws_kms_config=atlas.EncryptionAtRestAwsKmsConfigArgs(
                enabled=True,
                # Atlas takes the key id (the ARN's last part) and the region in its own form.
                customer_master_key_id=pulumi.Output.from_input(args.data_key_arn).apply(key_id),
                region=atlas_region(args.context.region),
                role_id=authorization.role_id,
            ),
            opts=child,
        )


def atlas_trust(atlas_principal: str, external_id: str) -> dict[str, Any]:
    """Trust Atlas's AWS principal, only with the external id Atlas gave this project."""
    return iam.document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": atlas_principal},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
    )


def key_use(key_arn: str) -> dict[str, Any]:
    """Use of one KMS key for envelope encryption, nothing more."""
    return iam.document(
        {
            "Sid": "UseTheDataKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": key_arn,
        }
    )


def key_id(key_arn: str) -> str:
    """``arn:aws:kms:<region>:<account>:key/<id>`` -> ``<id>``."""
    return key_arn.rsplit("/", 1)[-1]
