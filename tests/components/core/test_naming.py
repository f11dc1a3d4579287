"""The naming seam: the names components build are the names the load-time checks measure."""

from __future__ import annotations

from components.ci.runners import runner_project_name
from components.cluster.cluster import cluster_name
from components.core.naming import key_alias, physical_name, secret_path
from components.data.naming import bucket_name, identifier
from components.security.secrets import secret_name
from settings import guardrails, stacks
from settings.config import parse


def test_every_physical_name_has_the_one_prefix_and_the_environment():
    assert physical_name("prod", "postgres") == "platform-prod-postgres"
    assert key_alias("prod", "data") == "alias/platform-prod-data"
    assert secret_path("prod", "jwt-signing-key") == "platform/prod/jwt-signing-key"


def test_components_name_their_resources_through_the_seam():
    assert identifier("staging", "redis") == physical_name("staging", "redis")
    assert cluster_name("staging") == physical_name("staging")
    assert runner_project_name("staging") == physical_name("staging", "runner")
    assert bucket_name("staging", "uploads", "123456789012") == physical_name(
        "staging", "uploads", "123456789012"
    )
    assert secret_name("staging", "openai-api-key") == secret_path("staging", "openai-api-key")


def test_the_load_time_checks_measure_the_names_the_components_build():
    stack = stacks.read("prod")
    config = parse(stack.config, "prod", secret_keys=stack.secret_keys).config
    names = {name for _, _, name in guardrails.physical_names("prod", config)}
    assert cluster_name("prod") in names
    assert identifier("prod", "postgres") in names
    assert bucket_name("prod", "uploads", "0" * 12) in names
