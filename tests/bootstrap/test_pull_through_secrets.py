"""The ECR pull-through cache's credential secrets: created empty by each environment's bootstrap, under the
aws/secretsmanager key ECR requires, and exactly the secrets the same environment's platform cache rules
look up by name."""

from __future__ import annotations

import pytest

from components.registry.spec import NEEDS_CREDENTIALS, credential_secret_name
from settings.stacks import stacks
from tests.bootstrap.test_bootstrap import bootstrap_run
from tests.conftest import stack_run
from tests.helpers import inputs, of_type

SECRET = "aws:secretsmanager/secret:Secret"
RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"


def secrets(stack: str) -> dict[str, dict]:
    return {inputs(s)["name"]: inputs(s) for s in of_type(bootstrap_run(stack).resources, SECRET)}


@pytest.mark.parametrize("stack", stacks())
def test_each_bootstrap_creates_the_two_credential_secrets_empty_under_the_aws_managed_key(stack: str):
    found = secrets(stack)
    assert set(found) == {"ecr-pullthroughcache/docker-hub", "ecr-pullthroughcache/github-container-registry"}
    assert set(found) == {credential_secret_name(u) for u in NEEDS_CREDENTIALS}
    for values in found.values():
        assert "kmsKeyId" not in values  # aws/secretsmanager: ECR reads no customer managed key here
    # the value never passes through Pulumi: no version, no value anywhere in the bootstrap
    assert of_type(bootstrap_run(stack).resources, "aws:secretsmanager/secretVersion:SecretVersion") == []
    assert all(s.protect for s in of_type(bootstrap_run(stack).resources, SECRET))
    assert bootstrap_run(stack).outputs["pull_through_cache_secrets"] == {
        "docker-hub": "ecr-pullthroughcache/docker-hub",
        "github-container-registry": "ecr-pullthroughcache/github-container-registry",
    }


def test_the_restore_drills_account_has_no_registry_and_no_credential_secrets():
    assert secrets("drill") == {}


@pytest.mark.parametrize("stack", stacks())
def test_every_secret_a_platform_cache_rule_looks_up_is_one_its_environments_bootstrap_creates(stack: str):
    # The platform finds each secret by name (DescribeSecret) and names the ARN it found in its rule.
    run = stack_run(stack)
    credentialed = {
        inputs(r)["ecrRepositoryPrefix"]: inputs(r)["credentialArn"]
        for r in of_type(run.resources, RULE)
        if inputs(r).get("credentialArn")
    }
    assert set(credentialed) == {"docker-hub", "ghcr"}
    created = set(secrets(stack))
    for arn in credentialed.values():
        name = arn.split(":secret:", 1)[1].rsplit("-", 1)[0]  # Secrets Manager appends -<6 characters>
        assert name in created, (
            f"{stack}: the cache rule reads {name}; the bootstrap creates {sorted(created)}"
        )
