"""The data tier: Postgres (RDS), Redis (ElastiCache), S3 buckets and MongoDB Atlas."""
