"""The environment's monthly cost budget, alerting to the alert topic."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core.naming import physical_name
from components.observability.spec import BudgetSpec


@dataclass(frozen=True)
class BudgetArgs:
    """Inputs of :class:`Budget`.

    Attributes:
        spec: limit and thresholds.
        environment: counts only costs tagged ``environment=<environment>`` (activate ``environment`` as a
            cost allocation tag once per account, in the Billing console).
        topic_arn: the alert topic.
    """

    spec: BudgetSpec
    environment: str
    topic_arn: pulumi.Input[str]


class Budget(pulumi.ComponentResource):
    """An AWS Budgets cost budget per environment: actual spend at each threshold, and forecast spend."""

    budget_name: pulumi.Output[str]

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:observability:Budget", name, None, opts)
        spec = args.spec
        notifications = [
            aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN",
                notification_type="ACTUAL",
                threshold=threshold,
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[args.topic_arn],
            )
            for threshold in spec.alert_thresholds_percent
        ]
        if spec.forecast_threshold_percent is not None:
            notifications.append(
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    notification_type="FORECASTED",
                    threshold=spec.forecast_threshold_percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[args.topic_arn],
                )
            )
        budget = aws.budgets.Budget(
            name,
            name=physical_name(args.environment, "monthly"),
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{spec.monthly_limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:environment${args.environment}"]}],
            notifications=notifications,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.budget_name = budget.name
        self.register_outputs({"budget_name": self.budget_name})
