"""MongoDB Atlas for an environment: a dedicated cluster over PrivateLink, or slots on shared dev clusters."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.core.naming import physical_name
from components.data.atlas_cluster import AtlasCluster, AtlasClusterArgs
from components.data.atlas_database import AtlasDatabase, AtlasDatabaseArgs
from components.data.atlas_privatelink import AtlasPrivateLink, AtlasPrivateLinkArgs
from components.data.atlas_project import AtlasProject, AtlasProjectArgs
from components.data.atlas_spec import AtlasSpec, ClusterSpec, Role, SharedSpec
from components.data.atlas_users import AtlasDatabaseUser, AtlasDatabaseUserArgs, Grant
from components.data.dr_spec import AtlasRestoreSpec
from components.data.naming import dev_database, dev_user, identifier


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
        protect: ``protect=True`` on clusters (the tier decides).
        iam_users: service identity → its IAM role ARN; each becomes an AWS IAM database user with
            ``readWrite`` on the services' database (dedicated) or the services environment's role
            (shared). Defaults to none.
        review_environments: shared dev environments the same identities also get (the review environments
            ``pr-<n>``, where the same workloads run: ``components.apps.review``). Defaults to none.
        copy_region: the dedicated cluster's backup schedule copies snapshots there (``platform:dr``).
            Defaults to none.
        copy_oplogs: with the oplog, for point-in-time restores there. Defaults to off.
        restore: restore the source's snapshot into the dedicated cluster (a drill). Defaults to none.
        restore_source_cluster: the source cluster's name. Defaults to none.
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
    protect: bool
    iam_users: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    review_environments: Sequence[str] = ()
    copy_region: str | None = None
    copy_oplogs: bool = False
    restore: AtlasRestoreSpec | None = None
    restore_source_cluster: str | None = None


class Atlas(pulumi.ComponentResource):
    """The environment's MongoDB.

    * dedicated (``cluster``): a project of its own, encrypted with the data key, reached over
      PrivateLink from the app subnets, access list limited to the VPC, an AWS IAM user per service
      identity;
    * shared (``shared``): a dev project with the shared and spare clusters, and per recorded dev
      environment a database, its role and an IAM role of its own (``platform-dev-mongo-<env>``, for
      developers to assume) that logs in as the environment's AWS IAM user; the services' identities get
      the ``servicesEnvironment``'s role. Access list limited to the NAT addresses.

    No user has a password. Outputs carry connection strings (without credentials) and, for shared
    clusters, the ARN of each dev environment's role.
    """

    project_id: pulumi.Output[str]
    connection_strings: dict[str, pulumi.Output[str | None]]
    environment_role_arns: dict[str, pulumi.Output[str]]

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
        self.environment_role_arns = {}
        if spec.cluster is not None:
            self._dedicated(name, args, spec.cluster, project)
        elif spec.shared is not None:
            self._shared(name, args, spec.shared, project)
        self.register_outputs(
            {
                "project_id": self.project_id,
                "connection_strings": self.connection_strings,
                "environment_role_arns": self.environment_role_arns,
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
        dedicated: bool = False,
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
                # Copies and drills concern the dedicated cluster only, never shared dev slots.
                copy_region=args.copy_region if dedicated else None,
                copy_oplogs=args.copy_oplogs and dedicated,
                restore=args.restore if dedicated else None,
                restore_source_cluster=args.restore_source_cluster if dedicated else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _user(
        self,
        name: str,
        role_arn: pulumi.Input[str],
        grants: list[Grant],
        clusters: list[pulumi.Input[str]],
        *,
        project: AtlasProject,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> AtlasDatabaseUser:
        return AtlasDatabaseUser(
            name,
            AtlasDatabaseUserArgs(
                role_arn=role_arn,
                project_id=project.project_id,
                cluster_names=clusters,
                grants=grants,
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
            dedicated=True,
        )
        self.connection_strings["default"] = cluster.private_srv.apply(
            functools.partial(with_database, args.spec.database)
        )
        for identity, role_arn in args.iam_users.items():
            self._user(
                f"{name}-user-{identity}",
                role_arn,
                [Grant(role=Role.READ_WRITE.value, database=args.spec.database)],
                [cluster.name],
                project=project,
            )

    def _shared(self, name: str, args: AtlasArgs, shared: SharedSpec, project: AtlasProject) -> None:
        clusters = {
            cluster_name: self._cluster(
                f"{name}-{cluster_name}", args, shared.cluster, cluster_name, project, []
            )
            for cluster_name in (*shared.clusters, *shared.spares)
        }
        databases: dict[str, AtlasDatabase] = {}
        for env in shared.environments:
            databases[env.name] = database = AtlasDatabase(
                f"{name}-env-{env.name}-db",
                AtlasDatabaseArgs(
                    project_id=project.project_id,
                    database=dev_database(env.name),
                    role_name=dev_user(env.name),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            role = aws.iam.Role(
                f"{name}-env-{env.name}",
                name=physical_name(args.environment, "mongo", dev_user(env.name)),
                # Developers of the account assume it (their own IAM policies say who may).
                assume_role_policy=pulumi.Output.all(args.context.partition, args.context.account_id).apply(
                    lambda v: iam.dumps(account_trust(v[0], v[1]))
                ),
                description=f"MongoDB Atlas dev environment {env.name}: sign in with MONGODB-AWS",
                permissions_boundary=args.context.permissions_boundary,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self._user(
                f"{name}-env-{env.name}-user",
                role.arn,
                [Grant(role=database.role_name, database="admin")],
                [clusters[env.cluster].name],
                project=project,
                # The user holds the database's role: Pulumi deletes the user first, then the database.
                depends_on=[database],
            )
            self.connection_strings[env.name] = clusters[env.cluster].standard_srv.apply(
                functools.partial(with_database, dev_database(env.name))
            )
            self.environment_role_arns[env.name] = role.arn
        services_env = next((e for e in shared.environments if e.name == shared.services_environment), None)
        for identity, role_arn in args.iam_users.items():
            if services_env is None:
                raise ValueError(
                    f"atlas.shared.servicesEnvironment {shared.services_environment!r} is not a recorded"
                    " environment; the services' identities need its database"
                )
            # The services environment's database, and each review environment's (``pr-<n>``: the same
            # workloads run there under the same roles, components.apps.review).
            served = [services_env, *(e for e in shared.environments if e.name in args.review_environments)]
            self._user(
                f"{name}-user-{identity}",
                role_arn,
                [Grant(role=databases[e.name].role_name, database="admin") for e in served],
                [clusters[cluster].name for cluster in dict.fromkeys(e.cluster for e in served)],
                project=project,
                depends_on=[databases[e.name] for e in served],
            )


def account_trust(partition: str, account_id: str) -> dict[str, object]:
    """A trust policy for principals of this account whose own policies allow ``sts:AssumeRole`` on it."""
    return iam.document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "sts:AssumeRole",
        }
    )


IAM_AUTH_OPTIONS = "authSource=%24external&authMechanism=MONGODB-AWS"
"""Connection options of an AWS IAM user: the driver signs in with the pod's role credentials."""


def with_database(database: str, srv: str | None) -> str | None:
    """``mongodb+srv://host`` -> ``mongodb+srv://host/<database>?<IAM options>`` (still without
    credentials: the driver takes them from the AWS credential chain, the pod's own role)."""
    return f"{srv}/{database}?{IAM_AUTH_OPTIONS}" if srv else None
