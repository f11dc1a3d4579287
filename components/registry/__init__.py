"""The environment's image registry (ECR), its signing key and admission of signed images (Kyverno)."""
