"""The bad inputs that passed quietly (issue 29): a boolean or text where a number belongs, a DNS label too
long for Route 53, a gate no load balancer can honour; and messages that did not lead to the mistake.

Each case edits a repository stack file (parsed, as the engine hands it over) and loads it with the
loaders the programs use, the platform stack bound by the registry.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest

from components.core.dns import dns_name_problem
from settings import registry, stackfile, stacks
from settings.config import ConfigError, Settings, parse, parse_services
from settings.stacks import Project

Edit = Any


@cache
def _document(project: str, stack: str) -> dict[str, Any]:
    path = stacks.project_dir(project) / f"Pulumi.{stack}.yaml"
    return stackfile.read_document(path, stack)


def _platform(stack: str, edit: Edit = None) -> Settings:
    document = copy.deepcopy(_document(Project.PLATFORM, stack))
    if edit is not None:
        edit(document["config"])
    host = stackfile.host_config(document)
    binding = registry.load(stacks.ROOT).binding(stack)
    return parse(host.config, stack, secret_keys=host.secret_keys, binding=binding)


def _services(stack: str, edit: Edit = None) -> Any:
    document = copy.deepcopy(_document(Project.SERVICES, stack))
    if edit is not None:
        edit(document["config"])
    host = stackfile.host_config(document)
    return parse_services(host.config, stack, _platform(stack), secret_keys=host.secret_keys)


def _problems(load: Any, stack: str, edit: Edit) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(stack, edit)
    return caught.value.problems


def _gateway(config: dict[str, Any]) -> dict[str, Any]:
    return config["services:apps"]["gateway"]


# Strict types: no bool -> int, no text -> number.


def test_a_boolean_is_not_a_replica_count():
    # Issue 29: `minReplicas: true` was taken as 1.
    problems = _problems(_services, "prod", lambda c: _gateway(c)["autoscaling"].update(minReplicas=True))
    assert problems == [
        "services:apps.gateway.autoscaling.minReplicas: Input should be a valid integer; got true"
    ]


def test_text_is_not_a_number():
    problems = _problems(_services, "prod", lambda c: _gateway(c)["autoscaling"].update(maxReplicas="10"))
    assert problems == [
        'services:apps.gateway.autoscaling.maxReplicas: Input should be a valid integer; got "10"'
    ]


def test_a_number_is_not_text_and_the_message_says_to_quote_it():
    def edit(config: dict[str, Any]) -> None:
        config["platform:cluster"]["kubernetesVersion"] = 1.30  # YAML reads 1.30 as 1.3

    (problem,) = _problems(_platform, "dev", edit)
    assert problem.startswith("platform:cluster.kubernetesVersion: Input should be a valid string (quote it:")
    assert problem.endswith("; got 1.3")


def test_a_boolean_is_not_a_threshold():
    problems = _problems(_services, "prod", lambda c: c["services:delivery"]["gates"].update(count=True))
    assert problems == ["services:delivery.gates.count: Input should be a valid integer; got true"]


def test_a_top_level_boolean_is_read_as_the_engine_passes_it():
    # The engine passes a top-level `true` as the text "true": that text, and only it, is the boolean.
    assert _platform("dev", lambda c: c.update({"platform:protect": True})).protect is True
    problems = _problems(_platform, "dev", lambda c: c.update({"platform:protect": "yes"}))
    assert problems == ['platform:protect: Input should be a valid boolean; got "yes"']


# DNS names, label by label.


def test_a_64_character_label_is_not_a_host():
    # Issue 29: accepted, though Route 53 and ACM refuse it.
    host = "a" * 64 + ".slidecraft.example.com"
    (problem,) = _problems(_services, "prod", lambda c: _gateway(c)["ingress"].update(host=host))
    assert problem.startswith(
        "services:apps.gateway.ingress.host: label 1 (aaaaaaaaaaaa...) has 64 characters;"
    )
    assert problem.endswith(f'; got "{host}"')


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a" * 63 + ".example.com", None),
        (".".join(["a" * 63] * 3 + ["a" * 58, "io"]), None),  # 253 characters
        (
            ".".join(["a" * 63] * 3 + ["a" * 59, "io"]),
            "a DNS name has at most 253 characters; this one has 254",
        ),
        ("api..example.com", "label 2 is empty"),
        ("-api.example.com", "label 1 '-api': a label is lower-case"),
        ("API.example.com", "label 1 'API'"),
        ("localhost", "at least two labels"),
        ("api.example.c0m", "the last label 'c0m'"),
    ],
)
def test_dns_names_are_checked_label_by_label(name, problem):
    found = dns_name_problem(name)
    assert (found is None) if problem is None else (found is not None and problem in found), found


def test_a_certificate_s_first_name_is_at_most_64_characters():
    long_name = "a" * 50 + ".slidecraft.example.com"

    def edit(config: dict[str, Any]) -> None:
        config["platform:dns"]["certificateNames"].insert(0, long_name)

    (problem,) = _problems(_platform, "prod", edit)
    assert problem.startswith("platform:dns.certificateNames: [0] ")
    assert "the first name is the certificate's Common Name, at most 64 (ACM)" in problem


# Bounds the mechanism behind a setting can honour.


def test_a_latency_gate_beyond_the_load_balancer_s_idle_timeout_is_refused():
    # Issue 29: 500 (milliseconds meant) could never fail behind an ALB whose idle timeout is 60 s.
    problems = _problems(
        _services, "prod", lambda c: c["services:delivery"]["gates"].update(maxP95LatencySeconds=500)
    )
    (problem,) = problems
    assert problem.startswith("services:delivery.gates.maxP95LatencySeconds: must be at most 60 seconds")
    assert "0.5 is 500 ms" in problem
    assert problem.endswith("; got 500")
    assert _services("prod", lambda c: c["services:delivery"]["gates"].update(maxP95LatencySeconds=0.5))


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("window", "30s", "must cover at least two scrapes (60s"),
        ("interval", "10s", "must be at least one scrape (30s)"),
        ("window", "25h", "must be at most 24h"),
    ],
)
def test_gate_durations_are_bounded_by_what_prometheus_can_answer(key, value, fragment):
    (problem,) = _problems(_services, "prod", lambda c: c["services:delivery"]["gates"].update({key: value}))
    assert problem.startswith(f"services:delivery.gates.{key}: {fragment}")


# Messages that lead to the mistake.


def test_the_whole_value_is_shown():
    # Issue 29: the value was cut at 80 characters, hiding the malformed digest the message was about.
    def edit(config: dict[str, Any]) -> None:
        _gateway(config)["image"] = _gateway(config)["image"][:-1] + "Z"

    (problem,) = _problems(_services, "prod", edit)
    image = _gateway(_document(Project.SERVICES, "prod")["config"])["image"][:-1] + "Z"
    assert problem.endswith(f'; got "{image}"')


def test_a_strategy_key_is_named_as_the_file_writes_it():
    # Issue 29: `strategy.canary.maxSurge`, a path the file does not have.
    problems = _problems(_services, "prod", lambda c: _gateway(c)["strategy"].update(maxSurge="200%x"))
    assert problems == [
        "services:apps.gateway.strategy.maxSurge: String should match pattern '^([0-9]+%?)$'; got \"200%x\""
    ]


def test_a_model_rule_names_its_key_and_value():
    # Issue 29: `platform:atlas ... got a mapping` instead of `platform:atlas.database`.
    problems = _problems(_platform, "prod", lambda c: c["platform:atlas"].update(database="Bad Name!"))
    assert problems == [
        "platform:atlas.database: must be an application database (letters, digits, '_'), not admin, local or"
        ' config; got "Bad Name!"'
    ]


# One mistake never hides another.


def test_a_typo_in_a_section_does_not_hide_the_tier_s_floor_in_it():
    # Issue 29: the unknown key made the whole section invalid, and its guardrails were skipped.
    def edit(config: dict[str, Any]) -> None:
        network = config["platform:network"]
        network["interfaceEndpionts"] = network.pop("interfaceEndpoints")
        network["azCount"] = 2

    problems = _problems(_platform, "prod", edit)
    assert any(
        p.startswith("platform:network.interfaceEndpionts: unknown key (did you mean interfaceEndpoints?)")
        for p in problems
    )
    assert "platform:network.azCount: prod needs at least 3 AZs; got 2" in problems


def test_a_wrong_value_is_reported_once_not_again_as_its_default():
    # The key set aside takes its default for the other checks; no problem is reported about that default.
    problems = _problems(_platform, "prod", lambda c: c["platform:network"].update(azCount="three"))
    assert problems == ['platform:network.azCount: Input should be a valid integer; got "three"']


def test_a_broken_service_does_not_hide_another_service_s_tier_problem():
    def edit(config: dict[str, Any]) -> None:
        _gateway(config)["autoscaling"]["minReplicas"] = True
        config["services:apps"]["web"]["image"] = "registry.example.com/web:latest"

    problems = _problems(_services, "prod", edit)
    assert (
        problems[0]
        == "services:apps.gateway.autoscaling.minReplicas: Input should be a valid integer; got true"
    )
    assert any(p.startswith("services:apps.web.image: ") for p in problems)


def test_the_bootstrap_takes_no_boolean_for_a_number_and_no_text_for_a_boolean():
    from components.bootstrap.spec import BootstrapConfigError
    from components.bootstrap.spec import parse as parse_bootstrap

    base = {
        "accountId": "111111111111",
        "tier": "dev",
        "githubRepository": "example/platform",
        "stateBucketName": "example-platform-state-111111111111",
    }
    # The engine passes top-level numbers and booleans as their JSON text: that text is the value.
    spec = parse_bootstrap({**base, "keyDeletionWindowDays": "30", "protect": "false"})
    assert (spec.key_deletion_window_days, spec.protect) == (30, False)
    for key, value in (("keyDeletionWindowDays", True), ("protect", "yes"), ("auditLogRetentionDays", [365])):
        with pytest.raises(BootstrapConfigError) as caught:
            parse_bootstrap({**base, key: value})
        (problem,) = caught.value.problems
        assert problem.startswith(f"bootstrap:{key}: Input should be a valid")
