"""The services project's Pulumi program: the product's services on the platform stack of the same name.

The language host runs this directory (``services/``); the composition lives in ``infra.programs``.
"""

from infra import programs

programs.services()
