"""The pack as a whole: the same rules over every repository stack (offline, through the preview path),
the CrossGuard adapters fed as the engine feeds them, the pack process starting, and the preview's exit
code on a mandatory violation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.catalog import RESOURCE_RULES, STACK_RULES
from policy.crossguard import plain, policies, resource_policy, stack_policy
from policy.encryption import CMK_ENCRYPTION
from policy.model import UNKNOWN
from policy.tier import TIER_FLOORS
from settings import stacks
from tests.conftest import STACKS, stack_run
from tools import cli
from tools.preview import policy as offline
from tools.preview import runner

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("preview", [True, False])
def test_every_stack_passes_every_mandatory_rule(stack: str, preview: bool):
    result = stack_run(stack, preview)
    tier = str(stacks.tier_of(stack))  # the registry's binding, which the stack file agrees with
    assert offline.check(result.resources, tier) == []


def test_the_rules_do_see_the_stacks_resources():
    # Guard against a vacuous pass: the KMS keys of prod are checked (and would fail without rotation).
    resources = [offline.as_resource(r) for r in stack_run("prod").resources]
    keys = [
        r
        for r in resources
        if r.type == "aws:kms/key:Key" and r.props["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    ]
    # The image-signing key is asymmetric (AWS rotates only symmetric keys); the DR region's key is one more.
    assert len(keys) == 5
    assert all(r.props["enableKeyRotation"] is True and r.protect for r in keys)
    assert {r.type for r in resources} >= {
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:secretsmanager/secret:Secret",
    }


def test_offline_check_reports_a_key_registered_without_rotation(mock_runtime):
    provider = aws.Provider("aws", region="ap-northeast-2")
    recorded = mock_runtime.run(
        lambda: aws.kms.Key("bad", enable_key_rotation=False, opts=pulumi.ResourceOptions(provider=provider))
    )
    violations = offline.check(recorded, "dev")
    assert [(v.policy, v.name) for v in violations] == [("kms-rotation", "bad")]


def test_offline_values_unwrap_secrets_and_mark_unknowns(preview_runtime):
    provider = aws.Provider("aws", region="ap-northeast-2")
    key = aws.kms.Key("k", enable_key_rotation=True, opts=pulumi.ResourceOptions(provider=provider))
    recorded = preview_runtime.run(
        lambda: aws.secretsmanager.Secret(
            "s", kms_key_id=key.arn, opts=pulumi.ResourceOptions(provider=provider)
        )
    )
    secret = next(offline.as_resource(r) for r in recorded if r.type == "aws:secretsmanager/secret:Secret")
    assert secret.props["kmsKeyId"] is UNKNOWN
    assert CMK_ENCRYPTION.check(secret) == []


def test_preview_exits_3_and_lists_a_mandatory_violation(mock_runtime, monkeypatch, capsys):
    provider = aws.Provider("aws", region="ap-northeast-2")
    recorded = mock_runtime.run(
        lambda: aws.cloudwatch.LogGroup(
            "plain-logs", retention_in_days=7, opts=pulumi.ResourceOptions(provider=provider)
        )
    )
    monkeypatch.setattr(runner, "run_program", lambda *a, **k: runner.PreviewResult("dev", recorded, {}, []))
    assert cli.main(["preview", "--stack", "dev"]) == cli.EXIT_POLICY
    out = capsys.readouterr().out
    assert "Policy violations (1 mandatory):" in out
    assert "[mandatory] cmk-encryption: plain-logs: kmsKeyId must name" in out


def test_preview_json_and_markdown_carry_the_policy_report(capsys, shared_runs):
    assert cli.main(["preview", "--stack", "staging", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["policy"] == []
    assert cli.main(["preview", "--stack", "staging", "--markdown"]) == 0
    assert "**Policies:** no violations." in capsys.readouterr().out


# --- CrossGuard ------------------------------------------------------------------------------------


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _validate_resource(rule: Any, type_: str, props: dict[str, Any]) -> list[str]:
    reported: list[str] = []
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "x", _opts(), None)
    resource_policy(rule).validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_crossguard_resource_policy_reports_what_the_rule_finds():
    assert _validate_resource(CMK_ENCRYPTION, "aws:secretsmanager/secret:Secret", {"name": "s"}) == [
        "kmsKeyId must name the environment's customer-managed KMS key"
    ]


def test_crossguard_unknown_values_count_as_set_during_a_preview():
    props = {"kmsKeyId": UNKNOWN_STRING_VALUE}
    assert plain(unknown_checking_proxy(props)) == {"kmsKeyId": UNKNOWN}
    assert _validate_resource(CMK_ENCRYPTION, "aws:secretsmanager/secret:Secret", props) == []


def test_crossguard_stack_policy_reads_the_tier_config_and_protect_flags():
    primary = PolicyResource(
        "aws:rds/instance:Instance",
        unknown_checking_proxy({"multiAz": True, "deletionProtection": True, "backupRetentionPeriod": 7}),
        "urn:db",
        "db",
        _opts(protect=True),
        None,
        None,
        [],
        {},
    )
    network = PolicyResource(
        "aws:ec2/vpc:Vpc", unknown_checking_proxy({}), "urn:vpc", "vpc", _opts(), None, None, [], {}
    )
    reported: list[tuple[str, str | None]] = []
    args = StackValidationArgs([primary, network], config={"tier": "prod"})
    stack_policy(TIER_FLOORS).validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [
        ("prod needs an alert topic (aws:sns/topic:Topic; platform:observability); found none", None),
        ("prod needs a cost budget (aws:budgets/budget:Budget; platform:observability); found none", None),
        ("prod needs a read replica of db (replicateSourceDb); found none", None),
    ]


def test_the_pack_has_one_policy_per_rule_all_mandatory():
    pack = policies()
    assert [p.name for p in pack] == [r.name for r in (*RESOURCE_RULES, *STACK_RULES)]
    assert {p.enforcement_level.value for p in pack} == {"mandatory"}


def test_the_pack_starts_as_the_pulumi_cli_runs_it():
    # The CLI runs the pack's directory with the venv's Python; it answers with the port it serves on.
    process = subprocess.Popen(
        [sys.executable, "-u", str(ROOT / "policy")], cwd=ROOT / "policy", stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), port
    finally:
        process.kill()
        process.wait(timeout=10)
