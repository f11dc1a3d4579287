"""A dev environment's database on a shared cluster, as the custom role that bounds access to it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_mongodbatlas as atlas


@dataclass(frozen=True)
class AtlasDatabaseArgs:
    """Inputs of :class:`AtlasDatabase`.

    Attributes:
        project_id: the Atlas project.
        database: the database name.
        role_name: the custom role granting ``readWrite`` on it alone.
    """

    project_id: pulumi.Input[str]
    database: str
    role_name: str


class AtlasDatabase(pulumi.ComponentResource):
    """The database of one dev environment.

    Atlas's Admin API has no database object (MongoDB creates one on its first write), so the
    environment's database is represented by what bounds it: a custom role that inherits
    ``readWrite`` on this database only. The environment's user holds that role and depends on this
    component, so on removal Pulumi deletes the user first, then the database's role.
    """

    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: AtlasDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:data:AtlasDatabase", name, None, opts)
        role = atlas.CustomDbRole(
            name,
            project_id=args.project_id,
            role_name=args.role_name,
            inherited_roles=[
                atlas.CustomDbRoleInheritedRoleArgs(role_name="readWrite", database_name=args.database)
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_name = role.role_name
        self.register_outputs({"role_name": self.role_name})
