"""EC2 instance types, RDS instance classes and ElastiCache node types.

EC2: ``pulumi_aws.ec2.InstanceType`` (the provider SDK's enum, 1400+ types). RDS (PostgreSQL DB instances,
the only engine this platform runs): the SDK's ``pulumi_aws.rds.InstanceType`` stops at the 6th
generation's ``db.r6g``/``db.m6g`` and holds families RDS for PostgreSQL retired, so the newer families are
added and the retired ones dropped (see ``_RDS_EXTRA``). ElastiCache has no SDK enum (see
``_CACHE_FAMILIES``). Each list below names the artifacts it was checked against and when.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from enum import Enum
from pathlib import Path
from types import ModuleType

from components.core.catalog import suggestion


def _sdk_enum(package: str, name: str) -> type[Enum]:
    """``pulumi_aws.<package>.<name>``, the provider SDK's own enum, without importing its package when the
    program has not: ``import pulumi_aws.ec2`` runs ``from .x import *`` for ~180 modules (0.3 s) where the
    enum's module alone (``_enums.py``, which imports only ``pulumi`` and ``enum``) takes 20 ms. The
    services program checks the platform stack file's instance types but registers no EC2 resource."""
    loaded = sys.modules.get(f"pulumi_aws.{package}._enums")  # (the package itself is a lazy stand-in)
    module = loaded if loaded is not None else sdk_enums_module(package)
    return getattr(module, name)


def sdk_enums_module(package: str) -> ModuleType:
    """A private copy of ``pulumi_aws/<package>/_enums.py``, executed on its own (its package not imported)."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pulumi_aws is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / package / "_enums.py"
    enum_spec = importlib.util.spec_from_file_location(f"{__name__}._{package}_enums", path)
    if enum_spec is None or enum_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(enum_spec)
    enum_spec.loader.exec_module(module)
    return module


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    """The SDK enum's EC2 instance types (``pulumi_aws.ec2.InstanceType``), read on first use."""
    return frozenset(t.value for t in _sdk_enum("ec2", "InstanceType"))


_BURST = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_UP_TO_16 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_UP_TO_24 = (*_UP_TO_16, "24xlarge")
_UP_TO_32 = (*_UP_TO_24, "32xlarge")
_UP_TO_48 = (*_UP_TO_24, "48xlarge")  # the 7th-gen Intel and 8th-gen Graviton classes have no 32xlarge

# RDS classes a new PostgreSQL DB instance can use. Checked 2026-12-01 against:
# - the RDS user guide page "Supported DB engines for DB instance classes"
#   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html), read as
#   the stored copy of that page in the public code index (a mirror marked "All content copied from
#   https://docs.aws.amazon.com/"; the index does not name its repository or commit): the classes whose
#   PostgreSQL cell is neither "No" nor "Deprecated";
# - the classes the AWS Price List prices for engine ``postgres`` in any region, as AWS's CloudFormation
#   linter ships them: cfn-lint 1.58.0 (PyPI), cfnlint/data/schemas/extensions/aws_rds_dbinstance/
#   dbinstanceclass_enum.json. It agrees with the page on every class below and adds db.m8a, db.r8a,
#   db.m9g and db.r6idn.large (newer than the page copy); it prices the page's deprecated families too.
# That check removed the 32xlarge sizes of db.m7i and db.r7i, db.x2iedn.12xlarge (neither source has
# them) and db.c6gd (the page: Multi-AZ DB clusters only; this platform creates DB instances), and added
# the families from db.m5d on. From the SDK enum, the families the page marks deprecated or unsupported
# for PostgreSQL are dropped (``_RDS_RETIRED``).
_RDS_EXTRA: dict[str, tuple[str, ...]] = {
    "db.t4g": _BURST,
    "db.t3": _BURST,
    "db.m5": _UP_TO_24,
    "db.m5d": _UP_TO_24,
    "db.m6g": _UP_TO_16,
    "db.m6gd": _UP_TO_16,
    "db.m6i": _UP_TO_32,
    "db.m6id": _UP_TO_32,
    "db.m6idn": _UP_TO_32,
    "db.m6in": _UP_TO_32,
    "db.m7g": _UP_TO_16,
    "db.m7i": _UP_TO_48,
    "db.m8a": _UP_TO_48,
    "db.m8g": _UP_TO_48,
    "db.m8gd": _UP_TO_48,
    "db.m9g": _UP_TO_48,
    "db.r5": _UP_TO_24,
    "db.r5b": _UP_TO_24,
    "db.r5d": _UP_TO_24,
    "db.r6g": _UP_TO_16,
    "db.r6gd": _UP_TO_16,
    "db.r6i": _UP_TO_32,
    "db.r6id": _UP_TO_32,
    "db.r6idn": _UP_TO_32,
    "db.r6in": _UP_TO_32,
    "db.r7g": _UP_TO_16,
    "db.r7i": _UP_TO_48,
    "db.r8a": _UP_TO_48,
    "db.r8g": _UP_TO_48,
    "db.r8gd": _UP_TO_48,
    "db.x2g": _UP_TO_16,
    "db.x2idn": ("16xlarge", "24xlarge", "32xlarge"),
    "db.x2iedn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "24xlarge", "32xlarge"),
}
# Families of the SDK enum that RDS for PostgreSQL no longer (or never) offers, per the page above.
_RDS_RETIRED = ("db.m1.", "db.m2.", "db.m3.", "db.m4.", "db.r3.", "db.r4.", "db.t2.", "db.x1.", "db.x1e.")


@functools.cache
def rds_instance_classes() -> frozenset[str]:
    """The SDK enum's classes minus the retired families, plus ``_RDS_EXTRA`` (built on first use, as
    :func:`ec2_instance_types`)."""
    return frozenset(
        t.value for t in _sdk_enum("rds", "InstanceType") if not t.value.startswith(_RDS_RETIRED)
    ) | frozenset(f"{family}.{size}" for family, sizes in _RDS_EXTRA.items() for size in sizes)


# ElastiCache node types on which a new cluster can be created. Checked 2026-12-01 against:
# - the node types the AWS Price List offers in any region, as AWS's CloudFormation linter ships them:
#   cfn-lint 1.58.0 (PyPI), cfnlint/data/schemas/extensions/aws_elasticache_cachecluster/
#   cachenodetype_enum.json ("Automatically updated using update_specs_from_pricing"): every family and
#   size below, and cache.t2 (left out: the user guide below says no new cluster can use T2);
# - the ElastiCache API model, boto/botocore botocore/data/elasticache/2015-02-02/service-2.json at commit
#   0e6e2404b85dc336dd2889814e089bde7d1a4c55 (2026-08-07), shape ``CacheNode``, "Current generation" lists
#   (M7g, M6g, M5, M4, T4g, T3, R7g, R6g, R5, R4; it predates the 8th-generation and network-optimized
#   families and names r6gd without sizes);
# - the ElastiCache user guide page "Supported node types"
#   (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html), read as the
#   stored copy of that page in the public code index (repository and commit not named by the index):
#   r6gd from xlarge, c7gn large to 16xlarge, T2 closed to new clusters.
# That check added M4, R4, M8g, R8g and C8gn, which the earlier list lacked. Availability differs by
# region (e.g. the price list offers no c7gn or r6gd in ap-northeast-2); the region is not checked here.
_CACHE_FAMILIES: dict[str, tuple[str, ...]] = {
    "cache.t3": ("micro", "small", "medium"),
    "cache.t4g": ("micro", "small", "medium"),
    "cache.m4": ("large", "xlarge", "2xlarge", "4xlarge", "10xlarge"),
    "cache.m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "cache.m6g": _UP_TO_16,
    "cache.m7g": _UP_TO_16,
    "cache.m8g": _UP_TO_16,
    "cache.r4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
    "cache.r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "cache.r6g": _UP_TO_16,
    "cache.r6gd": _UP_TO_16[1:],  # from xlarge
    "cache.r7g": _UP_TO_16,
    "cache.r8g": _UP_TO_16,
    "cache.c7gn": _UP_TO_16,
    "cache.c8gn": _UP_TO_16,
}
CACHE_NODE_TYPES: frozenset[str] = frozenset(
    f"{family}.{size}" for family, sizes in _CACHE_FAMILIES.items() for size in sizes
)

# Graviton (arm64) families carry a "g" right after the generation digit (m6g, c7gn, r8gd, t4g, x2gd),
# plus the first-generation a1; everything else runs x86_64.
_ARM64_FAMILY = re.compile(r"(a1|[a-z]+\d+g[a-z]*)")


def architecture(instance_type: str) -> str:
    """``arm64`` or ``x86_64``: the CPU architecture of an EC2 instance type."""
    family = instance_type.split(".", 1)[0]
    return "arm64" if _ARM64_FAMILY.fullmatch(family) else "x86_64"


def ec2_problem(value: str) -> str | None:
    if value in ec2_instance_types():
        return None
    return f"{value!r} is not an EC2 instance type{suggestion(value, ec2_instance_types())}"


def rds_problem(value: str) -> str | None:
    if value in rds_instance_classes():
        return None
    return f"must be an RDS instance class such as db.t4g.medium or db.r6g.large{suggestion(value, rds_instance_classes())}"


def cache_problem(value: str) -> str | None:
    if value in CACHE_NODE_TYPES:
        return None
    return f"must be an ElastiCache node type such as cache.t4g.small or cache.r7g.large{suggestion(value, CACHE_NODE_TYPES)}"
