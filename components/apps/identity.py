"""The AWS identities of the product's workloads, as plain data (pure, no Pulumi).

Every workload runs as a ServiceAccount of its own, and every ServiceAccount gets an IAM role of its own
through EKS Pod Identity: a service's pods as ``<service>``, its migration Job as ``<service>-migrate``
(which only reaches the database, as ``<service>_migrate``). What each role may do is exactly the
service's ``uses`` (``components.apps.spec.UsesSpec``).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.apps.manifests import migration_identity
from components.apps.spec import AppSpec, UsesSpec
from components.core.naming import physical_name

ROLE_NAME_MAX = 64
MIGRATION_USES = UsesSpec(database=True)
"""A migration only reaches the database (as its own ``<service>_migrate`` user, which may create the
service's tables and its database user)."""


@dataclass(frozen=True)
class WorkloadIdentity:
    """One ServiceAccount of the product namespace and what its IAM role may reach.

    Attributes:
        name: the identity (``gateway``, ``gateway-migrate``): the ServiceAccount's name, and the name its
            database and cache users derive from.
        service: the service it belongs to.
        uses: what the role is granted.
        reads_flags: the service reads feature flags (``flags``): read-only AppConfig access.
    """

    name: str
    service: str
    uses: UsesSpec
    reads_flags: bool = False

    @property
    def service_account(self) -> str:
        return self.name


def workload_identities(apps: dict[str, AppSpec]) -> list[WorkloadIdentity]:
    """Every identity the services of ``apps`` run as, in a stable order (service, then its migration)."""
    found = []
    for service in sorted(apps):
        spec = apps[service]
        found.append(WorkloadIdentity(service, service, spec.uses, bool(spec.flags)))
        if spec.migration is not None:
            found.append(WorkloadIdentity(migration_identity(service), service, MIGRATION_USES))
    return found


def role_name(environment: str, identity: str) -> str:
    """The IAM role of a workload identity: ``platform-<env>-workload-<identity>``.

    A fixed name (not a generated one) so that the stores that trust it by ARN (MongoDB Atlas users) can
    name it before it exists, and so that a person reading CloudTrail sees which workload acted.
    """
    return physical_name(environment, "workload", identity)


def role_name_problem(environment: str, identity: str) -> str | None:
    """Why ``identity``'s role name is not a valid IAM role name in ``environment``, if it is not."""
    name = role_name(environment, identity)
    if len(name) > ROLE_NAME_MAX:
        return f"its IAM role name {name!r} is {len(name)} characters; IAM allows {ROLE_NAME_MAX}"
    return None
