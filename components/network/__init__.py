"""The environment's network: VPC, subnets per AZ, gateways, endpoints and flow logs."""
