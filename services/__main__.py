"""The services project's Pulumi program: the product's services on the platform stack of the same name.

The language host runs this directory (``services/``); the composition lives in :mod:`services.program`.
"""

from services import program

program.services()
