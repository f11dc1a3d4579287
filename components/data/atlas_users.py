"""Atlas database users that authenticate with AWS IAM: no password exists, in Atlas or anywhere else."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_mongodbatlas as atlas

AUTH_DATABASE = "$external"
"""IAM users authenticate against ``$external`` (Atlas's rule for AWS IAM and other external users)."""
IAM_TYPE = "ROLE"


@dataclass(frozen=True)
class Grant:
    """A role on a database: a built-in role (``read``, ``readWrite``) or a custom role (on ``admin``)."""

    role: pulumi.Input[str]
    database: str


@dataclass(frozen=True)
class AtlasDatabaseUserArgs:
    """Inputs of :class:`AtlasDatabaseUser`.

    Attributes:
        role_arn: the IAM role whose sessions log in as this user (the Atlas user name is the ARN).
        project_id: the Atlas project.
        cluster_names: the clusters the user may reach (scopes).
        grants: its roles.
    """

    role_arn: pulumi.Input[str]
    project_id: pulumi.Input[str]
    cluster_names: list[pulumi.Input[str]]
    grants: list[Grant]


class AtlasDatabaseUser(pulumi.ComponentResource):
    """An AWS IAM database user (``aws_iam_type=ROLE``, authenticated on ``$external``) limited to its
    clusters and roles. A client signs in with its role's credentials (MONGODB-AWS); Atlas checks the
    signature with AWS STS, so there is no password to generate, store or rotate."""

    username: pulumi.Output[str]

    def __init__(
        self, name: str, args: AtlasDatabaseUserArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:data:AtlasDatabaseUser", name, None, opts)
        user = atlas.DatabaseUser(
            name,
            project_id=args.project_id,
            username=args.role_arn,
            auth_database_name=AUTH_DATABASE,
            aws_iam_type=IAM_TYPE,
            roles=[
                atlas.DatabaseUserRoleArgs(role_name=grant.role, database_name=grant.database)
                for grant in args.grants
            ],
            scopes=[
                atlas.DatabaseUserScopeArgs(name=cluster, type="CLUSTER") for cluster in args.cluster_names
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.username = user.username
        self.register_outputs({"username": self.username})
