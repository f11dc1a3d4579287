"""The SQL that creates the services' Postgres users (pure; also packaged into the function's zip)."""

from __future__ import annotations

import re
from collections.abc import Mapping

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"not a plain Postgres identifier: {value!r}")
    return value


def statements(database: str, users: Mapping[str, bool]) -> list[str]:
    """Idempotent statements creating each user (``True``: a migration user) with IAM authentication.

    Every user may log in and connect, and gets ``rds_iam`` (IAM authentication: no password exists). A
    migration user may also create schemas in ``database``; it owns what it creates and grants its
    service's user what that service needs. Users not named are left alone (dropping a user is a
    decision for a person: its objects would have to go first).
    """
    db = _identifier(database)
    found = []
    for user, migrates in sorted(users.items()):
        name = _identifier(user)
        found += [
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            f"'{name}') THEN CREATE ROLE {name} LOGIN; END IF; END $$",
            f"GRANT rds_iam TO {name}",
            f"GRANT {'CONNECT, CREATE' if migrates else 'CONNECT'} ON DATABASE {db} TO {name}",
        ]
    return found
