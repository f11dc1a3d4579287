"""What the stacks need before they exist: the state backend, the secrets-provider keys, GitHub OIDC."""
