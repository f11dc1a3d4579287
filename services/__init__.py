"""The services project (``services/Pulumi.yaml``): the product's services in their namespace.

Imports the settings, the components and the platform's outputs contract (:mod:`infra.contract`) only.
"""
