"""The Postgres users of the services and their migrations, created by the program: a function inside the
VPC that logs in as the RDS-managed master user and runs idempotent SQL, invoked whenever the users change.

Why a function and not a person with ``psql``: the database admits only the workloads' security group (and
prod's cluster API is private), so an administrator's shell has no network path to it; the first services
``up`` runs migrations that log in as ``<service>_migrate`` and would fail without the users. The function
runs in the app subnets wearing the workloads' group, reads the master password from the secret RDS keeps
(``GetSecretValue`` on that secret only, decrypting through Secrets Manager only): no password enters
code, config or state. The driver is pg8000 (pure Python), packaged from this virtualenv at its pinned
version (requirements.txt) with the handler (``components/data/database_users_code/``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.core.logs import encrypted_log_group
from components.core.naming import physical_name

SOURCE = Path(__file__).parent / "database_users_code"
HANDLER = "handler.handler"
DRIVER_PACKAGES = ("pg8000", "scramp", "asn1crypto", "dateutil")
"""pg8000 and what it imports (requirements.txt pins each)."""


def _package(package: str) -> pulumi.AssetArchive:
    """An installed package's files, without the bytecode this interpreter wrote (``__pycache__``): the
    zip, and so the function, changes only when the pinned version does."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: `make venv/.installed` installs requirements.txt")
    root = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return pulumi.AssetArchive({str(p.relative_to(root)): pulumi.FileAsset(str(p)) for p in files})


def code() -> pulumi.AssetArchive:
    """The function's zip: the handler and its SQL at the top, and the driver's packages."""
    files: dict[str, pulumi.Asset | pulumi.Archive] = {
        "handler.py": pulumi.FileAsset(str(SOURCE / "handler.py")),
        "sql.py": pulumi.FileAsset(str(SOURCE / "sql.py")),
    }
    files.update({package: _package(package) for package in DRIVER_PACKAGES})
    return pulumi.AssetArchive(files)


@dataclass(frozen=True)
class DatabaseUsersArgs:
    """Inputs of :class:`DatabaseUsers`.

    Attributes:
        context: account, partition and region.
        environment: the environment (function ``platform-<env>-db-users``).
        users: Postgres user -> whether it is a migration user (may create schemas).
        database: the database the users connect to.
        host: the primary's address (the master user logs in there, not through the proxy).
        port: the primary's port.
        master_secret_arn: the secret RDS keeps the master password in.
        secrets_key_arn: the key that secret is encrypted with.
        subnet_ids: the app subnets (they reach Secrets Manager through NAT).
        security_group_id: the workloads' group, the only one the database admits.
        logs_key_arn: encrypts the function's log group.
        wait_for: what must exist first (the database, its proxy). Defaults to none.
        log_retention_days: the function's log retention. Defaults to 30.
    """

    context: AwsContext
    environment: str
    users: Mapping[str, bool]
    database: str
    host: pulumi.Input[str]
    port: int
    master_secret_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    security_group_id: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    wait_for: Sequence[pulumi.Resource] = ()
    log_retention_days: int = 30


class DatabaseUsers(pulumi.ComponentResource):
    """The function and its invocation; ``users`` are the Postgres users it keeps."""

    function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseUsersArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:data:DatabaseUsers", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        function_name = physical_name(args.environment, "db-users")
        logs = encrypted_log_group(
            f"{name}-logs", f"/aws/lambda/{function_name}", args.log_retention_days, args.logs_key_arn, child
        )
        role = aws.iam.Role(
            name,
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("lambda.amazonaws.com", account))
            ),
            description=f"{function_name}: creates the services' Postgres users as the master user",
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.all(logs.arn, args.master_secret_arn, args.secrets_key_arn).apply(
                lambda v: iam.dumps(database_users_policy(v[0], v[1], v[2], ctx.region))
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            name,
            name=function_name,
            runtime="python3.12",
            handler=HANDLER,
            code=code(),
            role=role.arn,
            timeout=60,
            memory_size=256,
            reserved_concurrent_executions=1,  # one writer of users at a time
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=args.subnet_ids, security_group_ids=[args.security_group_id]
            ),
            logging_config={"log_format": "Text", "log_group": logs.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, policy]),
        )
        # Invoked on creation; a change of its input (a user added, the database moved) replaces it, which
        # invokes it again (lifecycle_scope CREATE_ONLY: terraform-provider-aws lambda/invocation.go). The
        # statements are idempotent, so a re-run changes nothing that exists.
        aws.lambda_.Invocation(
            name,
            function_name=function.name,
            input=pulumi.Output.json_dumps(
                {
                    "users": dict(sorted(args.users.items())),
                    "database": args.database,
                    "host": args.host,
                    "port": args.port,
                    "masterSecretArn": args.master_secret_arn,
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[function, *args.wait_for]),
        )
        self.function_name = function.name
        self.register_outputs({"function_name": self.function_name})


def database_users_policy(
    log_group_arn: str, master_secret_arn: str, secrets_key_arn: str, region: str
) -> dict[str, object]:
    """Its logs, the master secret (read only) through Secrets Manager's use of the secrets key, and the
    network interfaces a function in a VPC needs (AWS Lambda Developer Guide, "Giving Lambda functions
    access to resources in an Amazon VPC": these EC2 calls take no resource)."""
    return iam.document(
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
        {
            "Sid": "ReadTheMasterSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": master_secret_arn,
        },
        {
            "Sid": "DecryptItThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": secrets_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
        {
            "Sid": "VpcNetworkInterfaces",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        },
    )
