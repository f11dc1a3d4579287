"""The EKS cluster, its node groups, the platform add-ons and the product namespace."""
