"""Observability as code: alert routing, budgets, CloudWatch alarms, Prometheus rules, Grafana dashboards."""
