"""The data tier in the whole program, for each repository stack (offline preview and update mocks)."""

from __future__ import annotations

import shutil

import pytest
from ruamel.yaml import YAML

from settings import stackfile
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type, one
from tools.preview import render, runner
from tools.preview.mocks import is_secret

STORES = (
    "platform:data:Postgres",
    "platform:data:Redis",
    "platform:data:Buckets",
    "platform:data:Atlas",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
)
STATEFUL = (
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
    "aws:kms/key:Key",
)


@pytest.mark.parametrize("stack", STACKS)
def test_preview_of_every_stack_shows_the_stores(stack):
    result = stack_run(stack, preview=True)
    types = {r.type for r in result.resources}
    assert set(STORES) <= types
    assert result.unanswered_calls == []
    tree = render.as_tree(stack, "platform", result.resources)
    assert f"{stack}-postgres" in tree
    assert f"{stack}-atlas" in tree


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_protect_every_stateful_resource(stack):
    resources = stack_run(stack).resources
    for type_ in STATEFUL:
        assert all(r.protect for r in of_type(resources, type_)), type_
    assert one(resources, "aws:rds/instance:Instance", f"{stack}-postgres").protect


def test_dev_stateful_resources_are_destroyable():
    resources = stack_run("dev").resources
    for type_ in (*STATEFUL, "aws:rds/instance:Instance"):
        assert not any(r.protect for r in of_type(resources, type_)), type_


@pytest.mark.parametrize("stack", STACKS)
def test_stores_sit_in_the_data_subnets_and_admit_only_the_workloads_group(stack):
    resources = stack_run(stack).resources
    for instance in of_type(resources, "aws:rds/instance:Instance"):
        assert inputs(instance)["dbSubnetGroupName"] == f"{stack}-network-db"
    group = one(resources, "aws:elasticache/replicationGroup:ReplicationGroup")
    assert inputs(group)["subnetGroupName"] == f"{stack}-network-cache"
    data_components = {
        r.urn
        for r in resources
        if r.type.startswith("platform:data:") or r.type == "platform:security:GeneratedSecret"
    }
    ingress = [
        inputs(r)
        for r in of_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.parent in data_components
    ]
    assert ingress
    sources = {rule.get("referencedSecurityGroupId") for rule in ingress}
    proxies = {f"{stack}-postgres-proxy-id"}
    assert sources <= {f"{stack}-network-workloads-id", *proxies}
    assert not any("cidrIpv4" in rule for rule in ingress)


@pytest.mark.parametrize("stack", STACKS)
def test_atlas_resources_use_the_explicit_atlas_provider(stack):
    resources = stack_run(stack).resources
    atlas = [r for r in resources if r.type.startswith("mongodbatlas:")]
    assert atlas
    provider = one(resources, "pulumi:providers:mongodbatlas").urn
    assert all(r.provider and r.provider.startswith(f"{provider}::") for r in atlas)
    aws_provider = one(resources, "pulumi:providers:aws").urn
    atlas_parents = {r.urn for r in resources if r.type.startswith("platform:data:Atlas")}
    aws_in_atlas = [r for r in resources if r.type.startswith("aws:") and r.parent in atlas_parents]
    assert aws_in_atlas
    assert all(r.provider and r.provider.startswith(f"{aws_provider}::") for r in aws_in_atlas)


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_name_endpoints_but_carry_no_secret_and_no_store_password(stack):
    outputs = stack_run(stack).outputs
    for key in (
        "postgres_endpoint",
        "postgres_reader_endpoints",
        "postgres_master_secret_arn",
        "redis_primary_endpoint",
        "redis_reader_endpoint",
        "bucket_names",
        "atlas_connection_strings",
    ):
        assert key in outputs
    # Stores are reached with IAM authentication: there is no store credential to point at.
    assert "redis_auth_secret_arn" not in outputs
    assert "atlas_user_secret_arns" not in outputs
    data = {k: v for k, v in outputs.items() if k.startswith(("postgres_", "redis_", "bucket_", "atlas_"))}
    assert "[secret]" not in str(render.plain(data))
    assert not any(is_secret(v) for v in data.values())
    assert all("@" not in s for s in outputs["atlas_connection_strings"].values())  # no credentials


def test_prod_has_two_replicas_and_dev_none():
    assert len(stack_run("prod").outputs["postgres_reader_endpoints"]) == 2
    assert stack_run("dev").outputs["postgres_reader_endpoints"] == []


def _temporary_stack(tmp_path, atlas_keys: dict | None):
    """A copy of the dev stack file in ``tmp_path``, with (encrypted-looking) Atlas API keys."""
    (tmp_path / "infra").mkdir()
    shutil.copy(runner.ROOT / "infra" / "Pulumi.yaml", tmp_path / "infra" / "Pulumi.yaml")
    yaml = YAML()
    document = yaml.load((runner.ROOT / "infra" / "Pulumi.dev.yaml").read_text())
    if atlas_keys is not None:
        document["config"]["platform:atlas"].update(atlas_keys)
    with (tmp_path / "infra" / "Pulumi.dev.yaml").open("w") as out:
        yaml.dump(document, out)
    return stackfile.read_stack_file("dev", tmp_path / "infra")


def test_atlas_api_keys_from_secure_config_reach_the_provider_as_secrets(tmp_path):
    stack_file = _temporary_stack(
        tmp_path,
        {"publicKey": {"secure": "v1:publicciphertext"}, "privateKey": {"secure": "v1:privateciphertext"}},
    )
    assert "platform:atlas" in stack_file.secret_keys
    provider = one(runner.run_program(stack_file, preview=True).resources, "pulumi:providers:mongodbatlas")
    assert is_secret(provider.inputs["publicKey"])
    assert is_secret(provider.inputs["privateKey"])


def test_without_keys_the_provider_falls_back_to_its_environment_variables(tmp_path):
    provider = one(
        runner.run_program(_temporary_stack(tmp_path, None), preview=True).resources,
        "pulumi:providers:mongodbatlas",
    )
    assert "publicKey" not in provider.inputs
    assert "privateKey" not in provider.inputs


def test_connection_strings_are_private_for_dedicated_clusters_and_per_database_in_dev():
    iam = "authSource=%24external&authMechanism=MONGODB-AWS"  # the driver signs in with the pod's role
    assert stack_run("staging").outputs["atlas_connection_strings"] == {
        "default": f"mongodb+srv://platform-staging-mongo-pl-0.mock.mongodb.net/product?{iam}"  # PrivateLink
    }
    assert stack_run("dev").outputs["atlas_connection_strings"] == {
        "main": f"mongodb+srv://shared-0.mock.mongodb.net/env_main?{iam}"
    }


def test_dev_atlas_admits_the_nat_address_and_staging_the_vpc():
    dev = of_type(stack_run("dev").resources, "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList")
    assert [inputs(e)["cidrBlock"] for e in dev] == ["203.0.113.10/32"]  # one NAT gateway in dev
    staging = of_type(
        stack_run("staging").resources, "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
    )
    assert [inputs(e)["cidrBlock"] for e in staging] == ["10.20.0.0/16"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_program_wires_each_store_to_its_environments_own_keys(stack):
    resources = stack_run(stack).resources
    key = {
        p: f"arn:aws:mock:ap-northeast-2:123456789012:key/{stack}-keys-{p}"
        for p in ("data", "secrets", "logs")
    }
    primary = inputs(one(resources, "aws:rds/instance:Instance", f"{stack}-postgres"))
    assert (primary["kmsKeyId"], primary["masterUserSecretKmsKeyId"]) == (key["data"], key["secrets"])
    assert (
        inputs(one(resources, "aws:elasticache/replicationGroup:ReplicationGroup"))["kmsKeyId"] == key["data"]
    )
    data_parents = {r.urn for r in resources if r.type.startswith("platform:data:")}
    secrets = [inputs(r) for r in of_type(resources, "aws:secretsmanager/secret:Secret")]
    assert secrets
    assert {s["kmsKeyId"] for s in secrets} == {key["secrets"]}
    groups = [
        inputs(r) for r in of_type(resources, "aws:cloudwatch/logGroup:LogGroup") if r.parent in data_parents
    ]
    assert groups
    assert {g["kmsKeyId"] for g in groups} == {key["logs"]}
