"""The rules of the physical names this platform gives to cloud resources (pure).

Physical names derive from the stack name (``platform-<stack>-...``), so a stack name with upper-case
letters, underscores or too many characters breaks them; these rules are checked when the settings
load, naming the stack and the setting, instead of failing inside the provider (or inside ``apply``).

Sources (read 2026-11-30): S3 "General purpose bucket naming rules"; RDS "Naming constraints"
(DB instance identifier, RDS Proxy name); ElastiCache ``CreateReplicationGroup`` (ReplicationGroupId);
EKS ``CreateCluster`` (name); IAM "IAM object quotas" (role name); KMS ``CreateAlias`` (AliasName);
Lambda ``CreateFunction`` (FunctionName); Secrets Manager ``CreateSecret`` (Name); CloudWatch Logs
``CreateLogGroup``; AWS Budgets ``Budget.BudgetName``; Atlas "Create One Project" (name) and cluster
names; Kubernetes DNS-1123 labels (namespaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a physical name names."""

    STACK = "stack name"
    S3_BUCKET = "S3 bucket name"
    RDS_INSTANCE = "RDS DB instance identifier"
    RDS_PROXY = "RDS Proxy name"
    ELASTICACHE_GROUP = "ElastiCache replication group id"
    EKS_CLUSTER = "EKS cluster name"
    IAM_ROLE = "IAM role name"
    KMS_ALIAS = "KMS alias"
    LAMBDA_FUNCTION = "Lambda function name"
    SECRET = "Secrets Manager secret name"
    LOG_GROUP = "CloudWatch log group name"
    BUDGET = "AWS Budgets budget name"
    ATLAS_PROJECT = "Atlas project name"
    K8S_NAMESPACE = "Kubernetes namespace"


@dataclass(frozen=True)
class Rule:
    """A name's limits: the longest length and the characters allowed (``pattern`` matches whole names)."""

    max_length: int
    pattern: re.Pattern[str]
    allowed: str


_LOWER_DNS = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_RDS = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")  # a letter first, no '--', no trailing '-'

RULES: dict[Kind, Rule] = {
    Kind.STACK: Rule(
        30,
        re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]|[a-z]"),
        "lower-case letters, digits and single '-', starting with a letter",
    ),
    Kind.S3_BUCKET: Rule(63, _LOWER_DNS, "lower-case letters, digits and '-' (3-63)"),
    Kind.RDS_INSTANCE: Rule(63, _RDS, "a letter, then letters, digits and single '-'"),
    Kind.RDS_PROXY: Rule(60, _RDS, "a letter, then letters, digits and single '-'"),
    Kind.ELASTICACHE_GROUP: Rule(40, _RDS, "a letter, then lower-case letters, digits and single '-'"),
    Kind.EKS_CLUSTER: Rule(100, re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]*"), "letters, digits, '-' and '_'"),
    Kind.IAM_ROLE: Rule(64, re.compile(r"[\w+=,.@-]+"), "letters, digits and + = , . @ _ -"),
    Kind.KMS_ALIAS: Rule(256, re.compile(r"alias/[a-zA-Z0-9/_-]+"), "alias/ then letters, digits, / _ -"),
    Kind.LAMBDA_FUNCTION: Rule(64, re.compile(r"[a-zA-Z0-9_-]+"), "letters, digits, '-' and '_'"),
    Kind.SECRET: Rule(512, re.compile(r"[\w/+=.@-]+"), "letters, digits and / _ + = . @ -"),
    Kind.LOG_GROUP: Rule(512, re.compile(r"[\w/.#-]+"), "letters, digits and _ - / . #"),
    Kind.BUDGET: Rule(100, re.compile(r"[^:\\]+"), "any characters but ':' and '\\'"),
    Kind.ATLAS_PROJECT: Rule(64, re.compile(r"[\w .-]+"), "letters, digits, spaces, '-', '_' and '.'"),
    Kind.K8S_NAMESPACE: Rule(63, _LOWER_DNS, "a DNS label: lower-case letters, digits and '-'"),
}


def name_problem(kind: Kind, name: str) -> str | None:
    """Why the cloud would refuse ``name`` as a ``kind``, or ``None``."""
    rule = RULES[kind]
    if len(name) > rule.max_length:
        return f"the {kind.value} {name!r} has {len(name)} characters; at most {rule.max_length} are allowed"
    if kind is Kind.S3_BUCKET and len(name) < 3:
        return f"the {kind.value} {name!r} needs at least 3 characters"
    if not rule.pattern.fullmatch(name):
        return f"the {kind.value} {name!r} may only hold {rule.allowed}"
    return None
