"""The platform project (``infra/Pulumi.yaml``): its program, its layers and the outputs contract.

Imports the settings and the components; never the tools, never the services project.
"""
