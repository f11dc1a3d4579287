"""Creates the Postgres users the services and their migrations log in as with IAM authentication.

Runs in AWS Lambda inside the VPC (the database admits only the workloads' security group, which the
function wears), invoked by the platform program (``aws.lambda_.Invocation``) whenever the set of users
changes. It logs in as the RDS-managed master user with the password RDS keeps in Secrets Manager, read
here at run time: the password never passes through Pulumi. Statements are idempotent.

The driver is pg8000 (pure Python, packaged with this file by :mod:`components.data.database_users`).
"""

from __future__ import annotations

import json
import ssl
from typing import Any

from sql import statements  # the zip holds sql.py beside this file


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    import boto3  # the Lambda runtime's
    import pg8000.native  # packaged beside this file

    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=event["masterSecretArn"])["SecretString"]
    )
    # TLS is required by the parameter group (rds.force_ssl); the RDS CA bundle is not in the runtime, so
    # the channel is encrypted without verifying the server's certificate, inside the VPC.
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    connection = pg8000.native.Connection(
        user=secret["username"],
        password=secret["password"],
        host=event["host"],
        port=int(event["port"]),
        database=event["database"],
        ssl_context=tls,
        timeout=30,
    )
    try:
        run = statements(event["database"], event["users"])
        for statement in run:
            connection.run(statement)
    finally:
        connection.close()
    return {"users": sorted(event["users"]), "statements": len(run)}
