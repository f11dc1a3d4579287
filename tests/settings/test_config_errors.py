"""Every class of bad input gets a clear answer: exit 2, no traceback, the key named, the value as written.

The command line runs in-process (``tools.cli.main``) on a copy of the repository's stack files, so a
case can break a file without touching the repository; one case runs ``python -m tools`` for real.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from settings import stackfile, stacks
from settings.config import ConfigError, parse, parse_services
from tests.conftest import STACKS
from tools import cli
from tools.preview import runner

ROOT = runner.ROOT


def project(tmp_path: Path) -> Path:
    """A project directory with the repository's stack files, running the repository's program."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.yaml").write_text(f"name: platform\nmain: {ROOT / 'infra'}\n")
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "Pulumi.yaml").write_text(f"name: services\nmain: {ROOT / 'services'}\n")
    shutil.copy(ROOT / "stacks.yaml", tmp_path / "stacks.yaml")
    for stack in STACKS:
        shutil.copy(ROOT / "infra" / f"Pulumi.{stack}.yaml", tmp_path / "infra" / f"Pulumi.{stack}.yaml")
        shutil.copy(
            ROOT / "services" / f"Pulumi.{stack}.yaml", tmp_path / "services" / f"Pulumi.{stack}.yaml"
        )
    return tmp_path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def document(stack: str) -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())


def write(path: Path, doc: dict[str, Any]) -> None:
    yaml = YAML()
    yaml.default_flow_style = False
    with path.open("w") as out:
        yaml.dump(doc, out)


# --- unreadable stack files -------------------------------------------------------------------------

TextEdit = Callable[[bytes], bytes]


def _replace(old: str, new: str) -> TextEdit:
    def edit(data: bytes) -> bytes:
        assert old.encode() in data, old
        return data.replace(old.encode(), new.encode(), 1)

    return edit


UNREADABLE: list[tuple[str, TextEdit, list[str]]] = [
    ("unclosed flow list", _replace("platform:tier: dev", "platform:tier: [dev"), ["line", "not valid YAML"]),
    ("unclosed quote", _replace("platform:tier: dev", 'platform:tier: "dev'), ["line", "not valid YAML"]),
    ("bad indentation", _replace("  platform:region:", "   platform:region:"), ["line", "not valid YAML"]),
    ("tab indentation", _replace("  platform:region:", "\tplatform:region:"), ["line"]),
    (
        "duplicate top-level key",
        _replace(
            "  platform:region: ap-northeast-2\n", "  platform:region: ap-northeast-2\n  platform:region: x\n"
        ),
        ["platform:region is defined twice", "config.platform:region"],
    ),
    (
        "a nested key written twice",
        _replace("    cidr: 10.10.0.0/16\n", "    cidr: 10.10.0.0/16\n    cidr: 10.11.0.0/16\n"),
        ["platform:network.cidr is defined twice"],
    ),
    (
        "non-UTF-8 bytes",
        lambda data: data.replace(b"team: product", b"team: produ\xe7t"),
        ["not UTF-8", "line"],
    ),
    (
        "top level is a list",
        lambda data: b"- config\n- secretsprovider\n",
        ["top level must be a mapping", "list"],
    ),
    ("top level is a scalar", lambda data: b"just text\n", ["top level must be a mapping"]),
    ("config is a list", lambda data: b"config:\n  - platform:tier\n", ["config must be a mapping", "list"]),
    (
        "a key without namespace",
        _replace("  platform:tier: dev", "  tier: dev"),
        ["'tier'", "<namespace>:<name>"],
    ),
    (
        "a number JSON cannot carry",
        _replace("azCount: 2", "azCount: .nan"),
        ["platform:network.azCount", "finite"],
    ),
    (
        "a !!binary value (bytes, which JSON cannot carry)",
        _replace("azCount: 2", "azCount: !!binary Mg=="),
        ["platform:network.azCount", "YAML !!binary value b'2'", "write text, a number"],
    ),
    (
        "a !!set value",
        _replace("azCount: 2", "azCount: !!set {b, a}"),
        ["platform:network.azCount", "YAML !!set value ['a', 'b']"],
    ),
    (
        "a list as a nested key",
        _replace("azCount: 2", "azCount: 2\n    [a, b]: 3"),
        ["platform:network: the key ('a', 'b') is a list; a key must be text"],
    ),
    (
        "a mapping as a key",
        _replace("  platform:tier: dev", "  ? {a: 1}\n  : dev\n  platform:tier: dev"),
        ["key"],
    ),
]


@pytest.mark.parametrize(("case", "edit", "fragments"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_an_unreadable_stack_file_exits_2_with_the_place_named(tmp_path, capsys, case, edit, fragments):
    root = project(tmp_path)
    path = root / "infra" / "Pulumi.dev.yaml"
    path.write_bytes(edit(path.read_bytes()))
    code, output = run_cli(capsys, "preview", "--stack", "dev", "--project-dir", str(root))
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    assert "Pulumi.dev.yaml" in output or "configuration has" in output
    for fragment in fragments:
        assert fragment in output, output


@pytest.mark.parametrize("stack", STACKS)
def test_a_service_defined_twice_in_a_services_stack_file_is_refused(stack):
    text = (ROOT / "services" / f"Pulumi.{stack}.yaml").read_text()
    assert "    web:\n" in text
    broken = text.replace("    web:\n", "    realtime:\n      image: x\n    web:\n", 1)
    with pytest.raises(ConfigError) as caught:
        stackfile.parse_document(broken, f"Pulumi.{stack}.yaml", stack)
    (problem,) = caught.value.problems
    assert "services:apps.realtime is defined twice" in problem


@pytest.mark.parametrize("action", ["add", "remove"])
@pytest.mark.parametrize(("case", "edit", "fragments"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_env_commands_on_a_broken_file_exit_2_and_leave_it_unchanged(
    tmp_path, capsys, action, case, edit, fragments
):
    root = project(tmp_path)
    path = root / "infra" / "Pulumi.dev.yaml"
    path.write_bytes(edit(path.read_bytes()))
    before = path.read_bytes()
    code, output = run_cli(
        capsys, "env", action, "main" if action == "remove" else "alice", "--project-dir", str(root)
    )
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", ["alice\n", "Alice", "al_ice", "a" * 21, "alice!", "1alice"])
def test_env_add_refuses_a_bad_name_and_leaves_the_file_unchanged(tmp_path, capsys, name):
    root = project(tmp_path)
    path = root / "infra" / "Pulumi.dev.yaml"
    before = path.read_bytes()
    code, output = run_cli(capsys, "env", "add", name, "--project-dir", str(root))
    assert code == cli.EXIT_CONFIG
    assert "Traceback" not in output
    assert "environment name" in output
    assert path.read_bytes() == before


def test_python_m_infra_reports_a_broken_file_without_a_traceback(tmp_path):
    root = project(tmp_path)
    path = root / "infra" / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace("  platform:tier: prod", "  platform:tier: [prod"))
    done = subprocess.run(
        [sys.executable, "-m", "tools", "preview", "--stack", "prod", "--project-dir", str(root)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Pulumi.prod.yaml: line" in done.stderr


# --- the stack name flows into physical names ---------------------------------------------------------

STACK_NAMES = [
    ("Dev", ["stack name 'Dev'", "lower-case"]),
    ("my_env", ["stack name 'my_env'"]),
    ("dev--x", ["stack name 'dev--x'"]),
    ("x" * 31, ["at most 30"]),
    ("a" * 30, ["S3 bucket name", "at most 63", "platform:buckets", "stack name"]),
    ("b" * 26, ["ElastiCache replication group id", "platform:redis", "at most 40"]),
]


@pytest.mark.parametrize(("stack", "fragments"), STACK_NAMES, ids=[s[0][:12] for s in STACK_NAMES])
def test_a_stack_name_the_cloud_would_refuse_exits_2_naming_the_setting(tmp_path, capsys, stack, fragments):
    root = project(tmp_path)
    shutil.copy(root / "infra" / "Pulumi.dev.yaml", root / "infra" / f"Pulumi.{stack}.yaml")
    code, output = run_cli(capsys, "preview", "--stack", stack, "--project-dir", str(root))
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output, output


# --- values the cloud rejects, and dangerous values --------------------------------------------------


def values(stack: str) -> dict[str, Any]:
    """The decoded config of both projects' stack files of ``stack`` (``platform:*`` and ``services:*``)."""
    config = {
        **stacks.read(stack).config,
        **{
            k: v
            for k, v in stacks.read(stack, stacks.Project.SERVICES).config.items()
            if k.startswith("services:")
        },
    }
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in config.items()}


def problems_of(
    stack: str, edit: Callable[[dict[str, Any]], None], secret_keys: tuple[str, ...] = ()
) -> list[str]:
    """Every problem of the edited stack: the platform stack file's, then (on a valid platform) the
    services stack file's, as each project's program would report them."""
    data = copy.deepcopy(values(stack))
    edit(data)
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    platform_raw = {k: v for k, v in raw.items() if not k.startswith("services:")}
    services_raw = {k: v for k, v in raw.items() if k.startswith(("services:", "pulumi:"))}
    try:
        platform = parse(platform_raw, stack, secret_keys=secret_keys or stacks.read(stack).secret_keys)
    except ConfigError as caught:
        return caught.problems
    with pytest.raises(ConfigError) as caught_services:
        parse_services(services_raw, stack, platform)
    return caught_services.value.problems


def setting(key: str, *path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        if not path:
            data[key] = value
            return
        node = data[key]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def rename(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data[new] = data.pop(old)

    return edit


REJECTED: list[tuple[str, str, Callable[[dict[str, Any]], None], str, list[str]]] = [
    # (case, stack, edit, key named, fragments)
    (
        "misspelt region",
        "dev",
        setting("platform:region", value="ap-northaest-2"),
        "platform:region",
        ["did you mean ap-northeast-2", '"ap-northaest-2"'],
    ),
    (
        "region with newline",
        "dev",
        setting("platform:region", value="ap-northeast-2\n"),
        "platform:region",
        ['"ap-northeast-2\\n"'],
    ),
    (
        "rds class typo",
        "prod",
        setting("platform:postgres", "instanceClass", value="db.r6g.larg"),
        "platform:postgres.instanceClass",
        ["db.r6g.large"],
    ),
    (
        "rds class made up",
        "prod",
        setting("platform:postgres", "instanceClass", value="db.q9.huge"),
        "platform:postgres.instanceClass",
        ["RDS instance class"],
    ),
    (
        "cache node typo",
        "prod",
        setting("platform:redis", "nodeType", value="cache.r7g.larg"),
        "platform:redis.nodeType",
        ["cache.r7g.large"],
    ),
    (
        "ec2 type typo",
        "prod",
        setting("platform:cluster", "nodeGroups", 0, "instanceTypes", value=["m6i.xlarg"]),
        "platform:cluster.nodeGroups[0].instanceTypes",
        ["m6i.xlarge"],
    ),
    (
        "arm64 on x86 AMI",
        "prod",
        setting("platform:cluster", "nodeGroups", 0, "instanceTypes", value=["m6g.xlarge"]),
        "platform:cluster.nodeGroups[0].instanceTypes",
        ["arm64", "AL2023_x86_64_STANDARD"],
    ),
    (
        "rds backup window short",
        "prod",
        setting("platform:postgres", "backupWindow", value="17:00-17:10"),
        "platform:postgres.backupWindow",
        ["at least 30 minutes", "got 10"],
    ),
    (
        "rds maintenance short",
        "prod",
        setting("platform:postgres", "maintenanceWindow", value="sun:18:00-sun:18:20"),
        "platform:postgres.maintenanceWindow",
        ["at least 30 minutes"],
    ),
    (
        "rds windows overlap",
        "prod",
        setting("platform:postgres", "backupWindow", value="18:10-18:50"),
        "platform:postgres.backupWindow",
        ["overlaps the maintenance window"],
    ),
    (
        "redis maintenance short",
        "prod",
        setting("platform:redis", "maintenanceWindow", value="sun:19:00-sun:19:30"),
        "platform:redis.maintenanceWindow",
        ["at least 60 minutes"],
    ),
    (
        "window with newline",
        "prod",
        setting("platform:postgres", "backupWindow", value="17:00-17:30\n"),
        "platform:postgres.backupWindow",
        ["hh:mm-hh:mm"],
    ),
    (
        "IA too early",
        "dev",
        setting(
            "platform:buckets",
            "buckets",
            0,
            "lifecycle",
            0,
            "transitions",
            value=[{"days": 10, "storageClass": "STANDARD_IA"}],
        ),
        "platform:buckets.buckets[0].lifecycle[0].transitions",
        ["no earlier than 30"],
    ),
    (
        "IA then glacier too soon",
        "dev",
        setting(
            "platform:buckets",
            "buckets",
            0,
            "lifecycle",
            0,
            "transitions",
            value=[{"days": 30, "storageClass": "STANDARD_IA"}, {"days": 45, "storageClass": "GLACIER"}],
        ),
        "platform:buckets.buckets[0].lifecycle[0].transitions",
        ["at least 60"],
    ),
    (
        "transition up the waterfall",
        "dev",
        setting(
            "platform:buckets",
            "buckets",
            0,
            "lifecycle",
            0,
            "transitions",
            value=[{"days": 30, "storageClass": "GLACIER"}, {"days": 90, "storageClass": "STANDARD_IA"}],
        ),
        "platform:buckets.buckets[0].lifecycle[0].transitions",
        ["cannot move objects from GLACIER back"],
    ),
    (
        "atlas tier missing",
        "prod",
        setting("platform:atlas", "cluster", "instanceSize", value="M15"),
        "platform:atlas.cluster.instanceSize",
        ["dedicated Atlas tier"],
    ),
    (
        "atlas disk too big",
        "prod",
        setting("platform:atlas", "cluster", "diskSizeGb", value=2000),
        "platform:atlas.cluster.diskSizeGb",
        ["M30 takes at most 512 GB"],
    ),
    (
        "eks version gone",
        "prod",
        setting("platform:cluster", "kubernetesVersion", value="1.29"),
        "platform:cluster.kubernetesVersion",
        ["EKS offers"],
    ),
    (
        "eks version unquoted",
        "prod",
        setting("platform:cluster", "kubernetesVersion", value=1.34),
        "platform:cluster.kubernetesVersion",
        ["got 1.34"],
    ),
    (
        "ssl policy unknown",
        "prod",
        setting("services:delivery", "sslPolicy", value="ELBSecurityPolicy-TLS13-1-2-2021-07"),
        "services:delivery.sslPolicy",
        ["predefined ALB security policy"],
    ),
    (
        "namespace not a DNS label",
        "prod",
        setting("platform:cluster", "access", "deployNamespaces", value=["Product_NS"]),
        "platform:cluster.access.deployNamespaces",
        ["DNS label"],
    ),
    (
        "image tag with newline",
        "dev",
        setting(
            "services:apps",
            "web",
            "image",
            value="123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/web:dev-2611220100\n",
        ),
        "services:apps.web.image",
        [],
    ),
    # dangerous input
    (
        "namespace typo",
        "prod",
        rename("platform:postgres", "platfrom:postgres"),
        "platfrom:postgres",
        ["did you mean platform:postgres"],
    ),
    (
        "unknown provider namespace",
        "prod",
        setting("awss:region", value="x"),
        "awss:region",
        ["did you mean aws:region"],
    ),
    (
        "undeclared secret",
        "dev",
        lambda d: d["services:apps"]["web"].update(
            secrets=[{"secret": "jwt-signing-kye", "env": "JWT_SECRET"}],
            uses={"secrets": ["jwt-signing-kye"]},
        ),
        "services:apps.web.secrets[0].secret",
        ["did you mean jwt-signing-key"],
    ),
    (
        "atlas keys in plain text",
        "prod",
        lambda d: d["platform:atlas"].update(publicKey="abcdefgh", privateKey="0f0e-secret"),
        "platform:atlas.publicKey",
        ["plain text", "--secret"],
    ),
    (
        "atlas encryption off in prod",
        "prod",
        setting("platform:atlas", "encryptionAtRest", value=False),
        "platform:atlas.encryptionAtRest",
        ["prod encrypts"],
    ),
    (
        "internet in two halves",
        "staging",
        setting(
            "platform:cluster",
            "endpoint",
            value={"publicAccess": True, "publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
        ),
        "platform:cluster.endpoint.publicAccessCidrs",
        ["in pieces"],
    ),
    (
        "internet in four quarters",
        "staging",
        setting(
            "platform:cluster",
            "endpoint",
            value={
                "publicAccess": True,
                "publicAccessCidrs": ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
            },
        ),
        "platform:cluster.endpoint.publicAccessCidrs",
        ["whole internet"],
    ),
    (
        "empty deploy namespaces",
        "prod",
        setting("platform:cluster", "access", "deployNamespaces", value=[]),
        "platform:cluster.access.deployNamespaces",
        ["whole cluster"],
    ),
]


@pytest.mark.parametrize(
    ("case", "stack", "edit", "key", "fragments"), REJECTED, ids=[c[0] for c in REJECTED]
)
def test_a_value_the_cloud_rejects_or_a_dangerous_one_is_refused_naming_the_key(
    case, stack, edit, key, fragments
):
    found = problems_of(stack, edit)
    assert all("0f0e-secret" not in p for p in found)  # a secret written in plain text is never echoed
    mine = [p for p in found if p.startswith(f"{key}:") or p.startswith(f"{key}[") or p.startswith(f"{key}.")]
    assert mine, found
    for fragment in fragments:
        assert any(fragment in p for p in mine), mine


@pytest.mark.parametrize(
    ("case", "stack", "edit", "key", "fragments"), REJECTED[:6], ids=[c[0] for c in REJECTED[:6]]
)
def test_the_cli_exits_2_for_a_rejected_value(tmp_path, capsys, case, stack, edit, key, fragments):
    root = project(tmp_path)
    doc = document(stack)
    config = doc["config"]
    edit(config)
    write(root / "infra" / f"Pulumi.{stack}.yaml", doc)
    code, output = run_cli(capsys, "preview", "--stack", stack, "--project-dir", str(root))
    assert code == cli.EXIT_CONFIG
    assert "Traceback" not in output
    assert key in output


# --- all problems at once, values as written ----------------------------------------------------------


def test_guardrails_run_even_when_another_section_fails_its_schema():
    def edit(data: dict[str, Any]) -> None:
        data["platform:postgres"]["instanceClass"] = "db.r6g.larg"  # schema
        data["platform:network"]["natGateways"] = "single"  # prod guardrail
        data["platform:redis"]["nodes"] = 1  # prod guardrail

    found = problems_of("prod", edit)
    assert any(p.startswith("platform:postgres.instanceClass:") for p in found)
    assert any(p.startswith("platform:network.natGateways:") for p in found)
    assert any(p.startswith("platform:redis.nodes:") for p in found)


def test_an_unknown_canary_step_key_lists_the_canary_step_keys():
    def edit(data: dict[str, Any]) -> None:
        data["services:apps"]["web"]["strategy"] = {"type": "canary", "steps": [{"setWieght": 10}]}

    found = problems_of("prod", edit)
    (message,) = [p for p in found if "setWieght" in p]
    assert "setWeight" in message
    assert "pause" in message
    assert "maxSurge" not in message.split("allowed here:")[1]


def test_messages_show_values_as_written_never_python_reprs():
    def edit(data: dict[str, Any]) -> None:
        data["platform:network"]["natGateways"] = "none"
        data["platform:keys"] = ["rotationPeriodDays"]
        data["platform:protect"] = "maybe"

    found = problems_of("prod", edit)
    text = "\n".join(found)
    assert "<" not in text.replace("<namespace>", "")  # no <Tier.PROD: 'prod'> style reprs
    assert 'got "none"' in text
    assert 'platform:keys: must be a mapping of settings; got ["rotationPeriodDays"]' in text
    assert all(len(p) < 600 for p in found)


# --- the offline preview reads config exactly as Pulumi does -----------------------------------------


def test_an_unquoted_kubernetes_version_fails_offline_as_it_fails_for_real(tmp_path, capsys):
    root = project(tmp_path)
    path = root / "infra" / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace('kubernetesVersion: "1.35"', "kubernetesVersion: 1.35"))
    code, output = run_cli(capsys, "preview", "--stack", "prod", "--project-dir", str(root))
    assert code == cli.EXIT_CONFIG
    assert "platform:cluster.kubernetesVersion" in output
    assert "got 1.35" in output


def test_a_number_given_to_an_env_value_fails_offline(tmp_path, capsys):
    root = project(tmp_path)
    path = root / "services" / "Pulumi.dev.yaml"
    path.write_text(
        path.read_text().replace(
            "LOG_LEVEL: debug, STORAGE_PROVIDER: s3}", "LOG_LEVEL: 4, STORAGE_PROVIDER: s3}", 1
        )
    )
    code, output = run_cli(
        capsys, "preview", "--stack", "dev", "--project", "services", "--project-dir", str(root)
    )
    assert code == cli.EXIT_CONFIG
    assert "services:apps.gateway.env.LOG_LEVEL" in output


# --- the services project: all problems at once --------------------------------------------------------


def _edits(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        for one in edits:
            one(data)

    return edit


def _secret_ref(service: str, secret: str) -> Callable[[dict[str, Any]], None]:
    """``service`` reads ``secret`` (declared in its own ``uses``, so only the platform cross-check fails)."""

    def edit(data: dict[str, Any]) -> None:
        data["services:apps"][service].update(
            secrets=[{"secret": secret, "env": "A_SECRET"}], uses={"secrets": [secret]}
        )

    return edit


SERVICES_MISTAKES: list[tuple[str, str, Callable[[dict[str, Any]], None], dict[str, list[str]]]] = [
    # (case, stack, edits, {key named: fragments of its message})
    (
        "schema in two services and delivery, a secret reference and an unpinned image",
        "prod",
        _edits(
            setting("services:apps", "gateway", "replicas", value=-1),  # schema
            setting(
                "services:apps",
                "web",
                "strategy",
                value={"type": "blueGreen", "autoPromotionEnabled": "sometimes"},
            ),  # schema
            setting("services:delivery", "sslPolicy", value="ELBSecurityPolicy-TLS13-1-2-2021-07"),  # schema
            _secret_ref("worker-convert", "openai-api-kye"),  # cross-check: platform:secrets
            setting(
                "services:apps",
                "realtime",
                "image",
                value="123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/realtime:latest",
            ),  # cross-check: prod pins images
        ),
        {
            "services:apps.gateway.replicas": ["-1"],
            "services:apps.web.strategy": ['"sometimes"'],
            "services:delivery.sslPolicy": ["predefined ALB security policy", "did you mean"],
            "services:apps.worker-convert.secrets[0].secret": ["did you mean openai-api-key", "declared:"],
            "services:apps.realtime.image": ["latest"],
        },
    ),
    (
        "unknown key in one service, a delivery budget the others break, a host outside the certificate",
        "prod",
        _edits(
            setting("services:apps", "gateway", "replicaz", value=2),  # schema
            setting("services:delivery", "releaseBudgetMinutes", value=1),  # cross-check: budget
            setting(
                "services:apps", "web", "ingress", value={"host": "www.elsewhere.example.org"}
            ),  # cross-check
        ),
        {
            "services:apps.gateway.replicaz": ["unknown key", "replicas"],
            "services:apps.web.strategy": ["releaseBudgetMinutes (1 min"],
            "services:apps.web.ingress.host": ["not covered", "www.elsewhere.example.org"],
        },
    ),
    (
        "a bad service name, delivery schema, an unknown bucket, an undeclared secret",
        "dev",
        _edits(
            lambda d: d["services:apps"].update(Bad_Name=d["services:apps"]["mcp"]),  # schema: the name
            setting("services:delivery", "rolloutTimeoutSeconds", value=5),  # schema
            setting(
                "services:apps", "worker-export", "uses", value={"buckets": {"upload": "read"}}
            ),  # cross-check
            _secret_ref("gateway", "jwt-signing-kye"),  # cross-check
        ),
        {
            "services:apps.Bad_Name": [],
            "services:delivery.rolloutTimeoutSeconds": ["60", "5"],
            "services:apps.worker-export.uses.buckets.upload": ["platform:buckets", "uploads"],
            "services:apps.gateway.secrets[0].secret": ["did you mean jwt-signing-key"],
        },
    ),
]


@pytest.mark.parametrize(
    ("case", "stack", "edit", "expected"), SERVICES_MISTAKES, ids=[c[0] for c in SERVICES_MISTAKES]
)
def test_every_problem_of_a_services_stack_file_is_reported_in_one_run(case, stack, edit, expected):
    found = problems_of(stack, edit)
    for key, fragments in expected.items():
        mine = [p for p in found if p.startswith(key)]
        assert mine, (key, found)
        for fragment in fragments:
            assert any(fragment in p for p in mine), (key, fragment, mine)


def test_the_services_cli_exits_2_naming_every_key(tmp_path, capsys):
    _, stack, edit, expected = SERVICES_MISTAKES[0]
    root = project(tmp_path)
    path = root / "services" / f"Pulumi.{stack}.yaml"
    doc = YAML(typ="safe").load(path.read_text())
    edit(doc["config"])
    write(path, doc)
    code, output = run_cli(
        capsys, "preview", "--stack", stack, "--project", "services", "--project-dir", str(root)
    )
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    for key in expected:
        assert key in output, (key, output)
