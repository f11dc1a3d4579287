"""The services project's Pulumi program (``services/Pulumi.yaml``): everything in the product namespace.

Changes several times a day; run by the services deploy identity, which may edit only that namespace. It
reads the platform stack of the same name through the contract of :mod:`infra.contract`.
"""

from __future__ import annotations

import pulumi

from settings import config

# The program imports only its own composition: the provider SDKs load a module per resource family, and
# the services program needs none of the platform's (docs/PERFORMANCE.md).


def services() -> None:
    from services import delivery

    settings = config.load_services()  # the platform stack file is read and checked here too
    for name, value in delivery.build(settings).outputs.items():
        pulumi.export(name, value)
