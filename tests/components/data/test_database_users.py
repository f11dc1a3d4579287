"""The services' Postgres users are created by the program: a function in the VPC, as the master user,
invoked whenever the users change (no person with a SQL client, no password through Pulumi)."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from typing import Any

import pytest

from components.data.database_users import DRIVER_PACKAGES, SOURCE, code
from components.data.database_users_code.sql import statements
from tests.conftest import services_run, stack_run
from tests.helpers import inputs, of_type, one

INVOCATION = "aws:lambda/invocation:Invocation"


def test_each_user_is_created_once_with_iam_authentication_and_a_migration_user_may_create_schemas():
    sql = statements("product", {"gateway": False, "gateway_migrate": True})
    assert sql == [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'gateway')"
        " THEN CREATE ROLE gateway LOGIN; END IF; END $$",
        "GRANT rds_iam TO gateway",
        "GRANT CONNECT ON DATABASE product TO gateway",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'gateway_migrate')"
        " THEN CREATE ROLE gateway_migrate LOGIN; END IF; END $$",
        "GRANT rds_iam TO gateway_migrate",
        "GRANT CONNECT, CREATE ON DATABASE product TO gateway_migrate",
    ]


@pytest.mark.parametrize("name", ["Gateway", "a-b", "x; DROP ROLE y", "", "a" * 64])
def test_a_name_that_is_not_a_plain_identifier_is_refused(name):
    with pytest.raises(ValueError, match="not a plain Postgres identifier"):
        statements("product", {name: False})


def _handler(monkeypatch: pytest.MonkeyPatch, ran: list[Any]) -> types.ModuleType:
    class Connection:
        def __init__(self, **kwargs: Any) -> None:
            ran.append(("connect", kwargs))

        def run(self, statement: str) -> None:
            ran.append(statement)

        def close(self) -> None:
            ran.append("close")

    class Secrets:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            ran.append(("secret", SecretId))
            return {"SecretString": json.dumps({"username": "master", "password": "from-secrets-manager"})}

    pg8000 = types.ModuleType("pg8000")
    native = types.ModuleType("pg8000.native")
    native.Connection = Connection  # type: ignore[attr-defined]
    pg8000.native = native  # type: ignore[attr-defined]
    boto3 = types.ModuleType("boto3")
    boto3.client = lambda service: Secrets()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pg8000", pg8000)
    monkeypatch.setitem(sys.modules, "pg8000.native", native)
    monkeypatch.setitem(sys.modules, "boto3", boto3)
    monkeypatch.syspath_prepend(str(SOURCE))  # the zip's layout: handler.py beside sql.py
    spec = importlib.util.spec_from_file_location("db_users_handler", SOURCE / "handler.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_function_logs_in_as_the_master_user_from_its_secret_and_runs_the_statements(monkeypatch):
    ran: list[Any] = []
    handler = _handler(monkeypatch, ran)
    event = {
        "users": {"gateway_migrate": True},
        "database": "product",
        "host": "db.internal",
        "port": 5432,
        "masterSecretArn": "arn:aws:secretsmanager:ap-northeast-2:1:secret:rds!db-1",
    }
    assert handler.handler(event, None) == {"users": ["gateway_migrate"], "statements": 3}
    assert ran[0] == ("secret", event["masterSecretArn"])
    _, login = ran[1]
    assert (login["user"], login["password"], login["host"], login["database"]) == (
        "master",
        "from-secrets-manager",
        "db.internal",
        "product",
    )
    assert login["ssl_context"] is not None  # the parameter group admits TLS only
    assert ran[2:-1] == statements("product", {"gateway_migrate": True})
    assert ran[-1] == "close"


def test_the_zip_holds_the_handler_its_sql_and_the_driver():
    assets = code().assets
    assert {"handler.py", "sql.py", *DRIVER_PACKAGES} == set(assets)
    driver = assets["pg8000"].assets
    assert "native.py" in driver
    assert not [name for name in driver if "__pycache__" in name]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_database_identity_of_the_services_gets_its_user_before_the_first_services_up(stack):
    resources = stack_run(stack).resources
    invocation = json.loads(inputs(one(resources, INVOCATION))["input"])
    apps = services_run(stack).resources  # the services stack the platform reads `uses` from
    assert apps
    assert invocation["users"]["gateway_migrate"] is True
    assert invocation["users"]["gateway"] is False
    assert all(not user.endswith("_migrate") or migrates for user, migrates in invocation["users"].items())
    function = one(resources, "aws:lambda/function:Function", f"{stack}-postgres-users")
    assert inputs(function)["vpcConfig"]["securityGroupIds"]  # the workloads' group the database admits
    assert len(of_type(resources, INVOCATION)) == 1


def test_the_function_may_read_only_the_master_secret():
    resources = stack_run("prod").resources
    document = json.loads(
        inputs(one(resources, "aws:iam/rolePolicy:RolePolicy", "prod-postgres-users"))["policy"]
    )
    read = next(s for s in document["Statement"] if s["Sid"] == "ReadTheMasterSecret")
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert "*" not in read["Resource"]
