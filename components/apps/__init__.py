"""The product's services on Kubernetes: one application model, three delivery strategies, gates."""
