"""The offline preview: the real programs run under the Pulumi SDK's mock runtime."""
