"""The code of the database-users function (run in AWS Lambda, inside the VPC)."""
