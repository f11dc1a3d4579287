"""MongoDB Atlas for an environment: a dedicated cluster over PrivateLink, or slots on shared dev clusters."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.core.context import AwsContext
from components.data.atlas_cluster import AtlasCluster, AtlasClusterArgs
from components.data.atlas_database import AtlasDatabase, AtlasDatabaseArgs
from components.data.atlas_privatelink import AtlasPrivateLink, AtlasPrivateLinkArgs
from components.data.atlas_project import AtlasProject, AtlasProjectArgs
from components.data.atlas_spec import AtlasSpec, ClusterSpec, SharedSpec
from components.data.atlas_users import AtlasDatabaseUser, AtlasDatabaseUserArgs, Grant
from components.data.naming import atlas_user_secret, dev_database, dev_user, identifier
from components.security.secrets import secret_name


@dataclass(frozen=True)
class AtlasArgs:
    """Inputs of :class:`Atlas`.

    Attributes:
        spec: the validated Atlas settings.
        context: account, partition and region.
        environment: environment name (project ``platform-<env>``, secret names).
        vpc_id: the VPC (PrivateLink endpoint).
        vpc_cidr: the VPC block, the dedicated project's access list.
        app_subnet_ids: the private subnets the PrivateLink endpoint sits in.
        workload_security_group_id: the only group admitted to the PrivateLink endpoint.
        nat_public_ips: the VPC's NAT addresses, the shared project's access list (no PrivateLink in dev).
        data_key_arn: encryption at rest.
        secrets_key_arn: the users' password secrets.
        secret_recovery_window_days: recovery window of those secrets.
        protect: ``protect=True`` on clusters (the tier decides).
    """

    spec: AtlasSpec
    context: AwsContext
    environment: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    app_subnet_ids: pulumi.Input[list[str]]
    workload_security_group_id: pulumi.Input[str]
    nat_public_ips: Sequence[pulumi.Input[str]]
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    secret_recovery_window_days: int
    protect: bool


class Atlas(pulumi.ComponentResource):
    """The environment's MongoDB.

    * dedicated (``cluster``): a project of its own, encrypted with the data key, reached over
      PrivateLink from the app subnets, access list limited to the VPC, one user per service;
    * shared (``shared``): a dev project with the shared and spare clusters, and per recorded dev
      environment a database and its user on the environment's slot, access list limited to the NAT
      addresses.

    Outputs carry connection strings without credentials and the ARNs of the password secrets.
    """

    project_id: pulumi.Output[str]
    connection_strings: dict[str, pulumi.Output[str | None]]
    user_secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AtlasArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:Atlas", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        dedicated = spec.cluster is not None
        project = AtlasProject(
            f"{name}-project",
            AtlasProjectArgs(
                project_name=identifier(args.environment, "mongo"),
                org_id=spec.org_id,
                context=args.context,
                data_key_arn=args.data_key_arn,
                encryption_at_rest=spec.encryption_at_rest,
                access_cidrs=[args.vpc_cidr]
                if dedicated
                else [pulumi.Output.concat(ip, "/32") for ip in args.nat_public_ips],
            ),
            opts=child,
        )
        self.project_id = project.project_id
        self.connection_strings = {}
        self.user_secret_arns = {}
        if spec.cluster is not None:
            self._dedicated(name, args, spec.cluster, project)
        elif spec.shared is not None:
            self._shared(name, args, spec.shared, project)
        self.register_outputs(
            {
                "project_id": self.project_id,
                "connection_strings": self.connection_strings,
                "user_secret_arns": self.user_secret_arns,
            }
        )

    def _cluster(
        self,
        name: str,
        args: AtlasArgs,
        cluster_spec: ClusterSpec,
        cluster_name: str,
        project: AtlasProject,
        depends_on: list[pulumi.Resource],
    ) -> AtlasCluster:
        return AtlasCluster(
            name,
            AtlasClusterArgs(
                spec=cluster_spec,
                cluster_name=cluster_name,
                project_id=project.project_id,
                region=args.context.region,
                encrypted=args.spec.encryption_at_rest,
                depends_on=[*project.ready, *depends_on],
                protect=args.protect,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _user(
        self,
        name: str,
        args: AtlasArgs,
        username: str,
        grants: list[Grant],
        clusters: list[pulumi.Input[str]],
        *,
        project: AtlasProject,
        version: int = 1,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> AtlasDatabaseUser:
        return AtlasDatabaseUser(
            name,
            AtlasDatabaseUserArgs(
                username=username,
                project_id=project.project_id,
                cluster_names=clusters,
                grants=grants,
                secret_name=secret_name(args.environment, atlas_user_secret(username)),
                secrets_key_arn=args.secrets_key_arn,
                recovery_window_days=args.secret_recovery_window_days,
                password_version=version,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on or []),
        )

    def _dedicated(
        self, name: str, args: AtlasArgs, cluster_spec: ClusterSpec, project: AtlasProject
    ) -> None:
        link = AtlasPrivateLink(
            f"{name}-privatelink",
            AtlasPrivateLinkArgs(
                project_id=project.project_id,
                region=args.context.region,
                vpc_id=args.vpc_id,
                subnet_ids=args.app_subnet_ids,
                source_security_group_id=args.workload_security_group_id,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        cluster = self._cluster(
            f"{name}-cluster",
            args,
            cluster_spec,
            identifier(args.environment, "mongo"),
            project,
            [link.ready],
        )
        self.connection_strings["default"] = cluster.private_srv
        for user in args.spec.users:
            created = self._user(
                f"{name}-user-{user.name}",
                args,
                user.name,
                [Grant(role=g.role.value, database=g.database) for g in user.grants],
                [cluster.name],
                project=project,
                version=user.password_version,
            )
            self.user_secret_arns[user.name] = created.secret_arn

    def _shared(self, name: str, args: AtlasArgs, shared: SharedSpec, project: AtlasProject) -> None:
        clusters = {
            cluster_name: self._cluster(
                f"{name}-{cluster_name}", args, shared.cluster, cluster_name, project, []
            )
            for cluster_name in (*shared.clusters, *shared.spares)
        }
        for env in shared.environments:
            database = AtlasDatabase(
                f"{name}-env-{env.name}-db",
                AtlasDatabaseArgs(
                    project_id=project.project_id,
                    database=dev_database(env.name),
                    role_name=dev_user(env.name),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            user = self._user(
                f"{name}-env-{env.name}-user",
                args,
                dev_user(env.name),
                [Grant(role=database.role_name, database="admin")],
                [clusters[env.cluster].name],
                project=project,
                # The user holds the database's role: Pulumi deletes the user first, then the database.
                depends_on=[database],
            )
            self.connection_strings[env.name] = clusters[env.cluster].standard_srv.apply(
                functools.partial(with_database, dev_database(env.name))
            )
            self.user_secret_arns[env.name] = user.secret_arn


def with_database(database: str, srv: str | None) -> str | None:
    """``mongodb+srv://host`` -> ``mongodb+srv://host/<database>`` (still without credentials)."""
    return f"{srv}/{database}" if srv else None
