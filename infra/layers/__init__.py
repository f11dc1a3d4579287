"""The program's composition, one layer a module, in the order the program builds them.

Each ``build`` takes the settings and the layers below it, composes components (nothing else: resource
logic lives in ``components/``) and returns a small record of what the layers above need, with the
stack outputs it contributes in ``outputs``. ``infra/__main__.py`` calls them in order and exports.
"""
