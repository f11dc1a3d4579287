"""The platform's Pulumi program, its typed settings and its offline tools."""
