"""checkov over the offline preview: the recorded resources as a Terraform plan and Kubernetes manifests.

pulumi-aws is bridged from the Terraform AWS provider, so each recorded ``aws:`` resource is one Terraform
resource: its type follows from the Pulumi token (:func:`terraform_type`: the bridge's default
``aws_<module>_<snake name>`` or ``aws_<snake name>`` rule, plus :data:`TERRAFORM_TYPES` for the tokens the
bridge renamed, e.g. ``aws:rds/instance:Instance`` is ``aws_db_instance``), and its values are the inputs
with camelCase keys in snake_case and nested objects as one-element lists (Terraform blocks). Map-typed
attributes (tags, environment variables) keep their keys. A value equal to another resource's mock id or
ARN becomes a Terraform reference in the plan's ``configuration``, so checkov's graph checks (a bucket and
its public-access block, versioning, encryption) see the connection the program made. Secret values are
replaced by a placeholder before anything is written.

The ``kubernetes:`` objects (not Helm releases: charts are not rendered offline) become YAML manifests.

checkov's ``terraform_plan`` and ``kubernetes`` frameworks then run over both; a failing check is
accepted only when ``docs/CHECKOV.md`` lists its id with a reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.preview.mocks import ACCOUNT_ID, PARTITION, Recorded, is_secret

SKIP_LIST = Path(__file__).resolve().parents[2] / "docs" / "CHECKOV.md"
FRAMEWORKS = ("terraform_plan", "kubernetes")
SECRET_PLACEHOLDER = "[secret]"

TERRAFORM_TYPES: dict[str, str] = {
    # Tokens whose Terraform name does not follow the bridge's default rule (module prefix dropped or
    # renamed). Everything else maps by :func:`terraform_type`'s rule; a test checks every token the
    # program registers against the SDK's own ``pulumi_aws`` classes.
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "aws_db_proxy_default_target_group",
    "aws:rds/proxyTarget:ProxyTarget": "aws_db_proxy_target",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
}

MAP_ATTRIBUTES = frozenset({"tags", "tagsAll", "labels", "variables", "environmentVariables"})
"""Map-typed attributes: their keys are data (a tag name, a variable name), not attribute names."""

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_CHECK_ID = re.compile(r"^\|\s*`?(CKV\d?_[A-Z0-9]+_\d+)`?\s*\|")


def snake(name: str) -> str:
    """``kmsMasterKeyId`` -> ``kms_master_key_id`` (Pulumi's property names are Terraform's, camelCased)."""
    return _CAMEL.sub(r"_\1", name).lower()


def terraform_type(token: str) -> str:
    """The Terraform resource type of a pulumi-aws type token.

    The bridge names ``aws_<module>_<resource>`` as ``aws:<module>/<resource>:<Resource>``, dropping the
    repeated module prefix (``aws_s3_bucket_policy`` is ``aws:s3/bucketPolicy:BucketPolicy``); the
    exceptions are in :data:`TERRAFORM_TYPES`.
    """
    if token in TERRAFORM_TYPES:
        return TERRAFORM_TYPES[token]
    _, path, _ = token.split(":")
    module, resource = path.split("/")
    module = module.rstrip("_")  # ``lambda_`` is the Python-safe spelling of ``lambda``
    name = snake(resource)
    return f"aws_{name}" if name.startswith(f"{module}_") else f"aws_{module}_{name}"


def _address_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"r_{cleaned}"


def _clean(value: Any) -> Any:
    """Secrets replaced, integral floats as ints (the engine sends numbers as floats)."""
    if is_secret(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return f"<{type(value).__name__}>"  # an asset or archive (a Lambda's code): a file name in Terraform


def singular(name: str) -> str:
    """The bridge pluralizes repeated blocks (Terraform ``rule`` is Pulumi ``rules``); undo it."""
    for plural, one in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if name.endswith(plural):
            return name[: -len(plural)] + one
    return name


def _attribute(key: str, value: Any) -> str:
    is_block_list = isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    return snake(singular(key) if is_block_list and key not in MAP_ATTRIBUTES else key)


def _terraform_values(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key in MAP_ATTRIBUTES:
            return dict(value)
        block = {_attribute(k, v): _terraform_values(v, k) for k, v in value.items()}
        return block if key is None else [block]
    if isinstance(value, list):
        return [
            _terraform_values(v, None) if isinstance(v, dict) else _terraform_values(v, key) for v in value
        ]
    return value


def _outputs(resource: Recorded, region: str) -> dict[str, str]:
    """The values the mocks give ``resource``'s id and ARN (what other resources' inputs then hold)."""
    short = resource.type.split(":")[-1].lower()
    arn = resource.inputs.get("arn")
    return {
        "id": f"{resource.name}-id",
        "arn": arn
        if isinstance(arn, str)
        else f"arn:{PARTITION}:mock:{region}:{ACCOUNT_ID}:{short}/{resource.name}",
    }


@dataclass(frozen=True)
class ScanInput:
    """What checkov scans: the plan document, the manifests, and the tokens left out (no equivalent)."""

    plan: dict[str, Any]
    manifests: list[dict[str, Any]]
    left_out: list[str] = field(default_factory=list)


def scan_input(resources: Iterable[Recorded], region: str) -> ScanInput:
    """Convert recorded resources into a Terraform plan document and Kubernetes manifests."""
    resources = list(resources)
    aws = [
        r for r in resources if r.custom and r.type.startswith("aws:") and not r.type.startswith("pulumi:")
    ]
    addresses: dict[str, str] = {}
    seen: set[str] = set()
    for r in aws:
        address = f"{terraform_type(r.type)}.{_address_name(r.name)}"
        while address in seen:
            address += "_"
        seen.add(address)
        addresses[r.urn] = address
    references: dict[str, list[str]] = {}
    for r in aws:
        for attribute, value in _outputs(r, region).items():
            references.setdefault(value, []).append(f"{addresses[r.urn]}.{attribute}")

    planned, configured = [], []
    for r in aws:
        address = addresses[r.urn]
        tf_type, tf_name = address.split(".", 1)
        inputs = _clean(dict(r.inputs))
        values = {_attribute(k, v): _terraform_values(v, k) for k, v in inputs.items()}
        expressions: dict[str, Any] = {}
        for key, value in inputs.items():
            attribute = _attribute(key, value)
            refs: list[str] = []
            for item in value if isinstance(value, list) else [value]:
                candidates = [
                    c for c in references.get(_hashable(item), []) if not c.startswith(f"{address}.")
                ]
                for ref in _best(candidates, attribute):
                    refs += [ref, ref.rsplit(".", 1)[0]]
            if refs:
                expressions[attribute] = {"references": refs}
        planned.append(
            {"address": address, "mode": "managed", "type": tf_type, "name": tf_name, "values": values}
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": tf_name,
                "expressions": expressions,
            }
        )
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"root_module": {"resources": configured}},
    }
    manifests = []
    left_out = []
    for r in resources:
        if not r.custom or not r.type.startswith("kubernetes:") or r.type.startswith("pulumi:"):
            continue
        if r.type.startswith("kubernetes:helm.sh/"):
            left_out.append(f"{r.type} {r.name} (a Helm release: its chart is not rendered offline)")
            continue
        manifests.append(_manifest(r))
    return ScanInput(plan=plan, manifests=manifests, left_out=left_out)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _best(candidates: list[str], attribute: str) -> list[str]:
    """The candidates whose type shares most words with the attribute naming them.

    Resources of different types may share a Pulumi name (a security group and a parameter group both
    ``prod-postgres``) and so a mock id; ``vpc_security_group_ids`` means the security group.
    """
    if len(candidates) < 2:
        return candidates
    words = set(attribute.split("_"))
    kinds = [c.split(".")[0].split("_")[1:] for c in candidates]
    scores = [(len(words & set(kind)), -len(kind)) for kind in kinds]  # most shared words, then plainest
    return [c for c, score in zip(candidates, scores, strict=True) if score == max(scores)]


def _manifest(resource: Recorded) -> dict[str, Any]:
    _, group_version, kind = resource.type.split(":")
    group, _, version = group_version.rpartition("/")
    api_version = version if group in ("core", "") else f"{group}/{version}"
    body = _clean({k: v for k, v in resource.inputs.items() if k not in ("apiVersion", "kind")})
    metadata = dict(body.pop("metadata", None) or {})
    metadata.setdefault("name", resource.name)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}


def stack_region(stack: str, root: Path | None = None) -> str:
    """The region of ``stack`` (both projects run in their platform stack's region; mock ARNs carry it), in
    the repository ``root`` (defaults to this one)."""
    from settings import stacks
    from settings.schema import DEFAULT_REGION

    return str(stacks.read(stack, root=root or stacks.ROOT).config.get("platform:region", DEFAULT_REGION))


def skip_list(path: Path = SKIP_LIST) -> dict[str, str]:
    """``{check id: reason}`` from the table rows of ``docs/CHECKOV.md``."""
    skips = {}
    for line in path.read_text().splitlines():
        match = _CHECK_ID.match(line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            skips[match.group(1)] = cells[-1]
    return skips


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    resource: str
    framework: str


@dataclass
class ScanResult:
    """checkov's verdict, split by the skip list."""

    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    by_framework: dict[str, int] = field(default_factory=dict)
    """Passed checks per framework."""

    def summary(self) -> str:
        return (
            f"passed {self.passed}, failed {len(self.failed)}, skipped (docs/CHECKOV.md) {len(self.skipped)}"
        )


SCAN_VENV = Path(__file__).resolve().parents[2] / "venv-scan"


def checkov_executable() -> str | None:
    """checkov's executable: ``$CHECKOV``, else ``venv-scan/bin/checkov`` (``make scan-tools``), else PATH.

    checkov lives in a venv of its own: its pins (packaging<24) conflict with pulumi's (packaging>=26).
    """
    for candidate in (os.environ.get("CHECKOV"), str(SCAN_VENV / "bin" / "checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("checkov")


def checkov_available() -> bool:
    return checkov_executable() is not None


def run_checkov(scan: ScanInput, skips: Mapping[str, str]) -> ScanResult:
    """Write ``scan`` to a temporary directory, run checkov's two frameworks, and classify the results."""
    with tempfile.TemporaryDirectory(prefix="checkov-") as work:
        plan_file = Path(work) / "tfplan.json"
        plan_file.write_text(json.dumps(scan.plan, indent=1))
        args = ["-f", str(plan_file)]
        if scan.manifests:
            manifest_file = Path(work) / "manifests.yaml"
            manifest_file.write_text(yaml.safe_dump_all(scan.manifests, sort_keys=False))
            args += ["-f", str(manifest_file)]
        executable = checkov_executable()
        if executable is None:
            raise RuntimeError("checkov is not installed: make scan-tools (requirements-scan.txt)")
        command = [
            executable,
            *args,
            "--framework",
            *FRAMEWORKS,
            "--output",
            "json",
            "--skip-download",  # offline: no policy metadata from the vendor's platform
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=work)
    if done.returncode not in (0, 1):  # 1: some check failed; anything else: checkov itself failed
        raise RuntimeError(f"checkov failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    reports = json.loads(done.stdout or "[]")
    if isinstance(reports, dict):
        reports = [reports]
    result = ScanResult(left_out=list(scan.left_out))
    for report in reports:
        framework = report.get("check_type", "?")
        results = report.get("results", {})
        result.passed += len(results.get("passed_checks", []))
        result.by_framework[framework] = len(results.get("passed_checks", []))
        for failure in results.get("failed_checks", []):
            finding = Finding(failure["check_id"], failure["check_name"], failure["resource"], framework)
            (result.skipped if failure["check_id"] in skips else result.failed).append(finding)
    return result
