"""The subset of expr-lang that the gates' conditions use, evaluated the way Argo Rollouts does.

Argo Rollouts v1.8.3 (``utils/evaluate/evaluate.go``) compiles ``successCondition`` and
``failureCondition`` with github.com/antonmedv/expr v1.15.5 and runs them with ``result`` bound to the
Prometheus answer (``[]float64`` for a vector, ``metricproviders/prometheus/prometheus.go``). The subset:
float and int literals, ``result``, ``result[i]``, ``len(x)``, ``isNaN(x)``, ``!``, ``&&``, ``||``,
``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=`` and parentheses. Faithful where it matters here:

* ``&&`` and ``||`` short-circuit (expr's compiler emits ``OpJumpIfFalse``/``OpJumpIfTrue``).
* Indexing past the end is a run-time error (``reflect.Value.Index`` panics; ``vm.Run`` recovers it into
  an error), which ``EvaluateResult`` returns as phase ``Error``.
* Comparisons with NaN are false (Go float semantics).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\d+)|([A-Za-z_]\w*)|(&&|\|\||<=|>=|==|!=|[()\[\]<>!,]))")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {"len": len, "isNaN": math.isnan}


class ExprError(Exception):
    """A compile or run-time error: Argo records the measurement as ``Error``."""


@dataclass
class _Parser:
    tokens: list[str]
    env: dict[str, Any]
    pos: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ExprError(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    # Each level returns a thunk so that `&&`/`||` can skip evaluating their right side.
    def parse_or(self) -> Callable[[], Any]:
        left = self.parse_and()
        while self.peek() == "||":
            self.take()
            right, first = self.parse_and(), left
            left = lambda first=first, right=right: first() or right()  # noqa: E731
        return left

    def parse_and(self) -> Callable[[], Any]:
        left = self.parse_compare()
        while self.peek() == "&&":
            self.take()
            right, first = self.parse_compare(), left
            left = lambda first=first, right=right: first() and right()  # noqa: E731
        return left

    def parse_compare(self) -> Callable[[], Any]:
        left = self.parse_unary()
        if self.peek() in _COMPARE:
            op = _COMPARE[self.take()]
            right = self.parse_unary()
            return lambda: op(left(), right())
        return left

    def parse_unary(self) -> Callable[[], Any]:
        if self.peek() == "!":
            self.take()
            operand = self.parse_unary()
            return lambda: not operand()
        return self.parse_postfix()

    def parse_postfix(self) -> Callable[[], Any]:
        value = self.parse_primary()
        while self.peek() == "[":
            self.take()
            index, base = self.parse_or(), value
            self.take("]")

            def fetch(base: Callable[[], Any] = base, index: Callable[[], Any] = index) -> Any:
                seq, i = base(), index()
                if not -len(seq) <= i < len(seq):
                    raise ExprError(f"reflect: slice index out of range ({i} of {len(seq)})")
                return seq[i]

            value = fetch
        return value

    def parse_primary(self) -> Callable[[], Any]:
        token = self.take()
        if token == "(":
            inner = self.parse_or()
            self.take(")")
            return inner
        if re.fullmatch(r"\d+\.\d*", token):
            return lambda: float(token)
        if token.isdigit():
            return lambda: int(token)
        if token in _FUNCTIONS:
            self.take("(")
            argument = self.parse_or()
            self.take(")")
            function = _FUNCTIONS[token]
            return lambda: function(argument())
        if token in self.env:
            return lambda: self.env[token]
        raise ExprError(f"unknown name {token!r}")


def _tokens(source: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(source.rstrip()):
        match = _TOKEN.match(source, pos)
        if not match:
            raise ExprError(f"cannot parse {source[pos:]!r}")
        tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return tokens


def eval_condition(result: list[float], condition: str) -> bool:
    """``EvalCondition``: the condition's value with ``result`` bound; ExprError on an error."""
    parser = _Parser(_tokens(condition), {"result": result})
    program = parser.parse_or()
    if parser.peek() is not None:
        raise ExprError(f"unexpected {parser.peek()!r}")
    value = program()
    if not isinstance(value, bool):
        raise ExprError(f"expected bool, but got {type(value).__name__}")
    return value


def evaluate_result(result: list[float], metric: dict[str, Any]) -> str:
    """``EvaluateResult``: the phase of one measurement (Successful, Failed, Inconclusive or Error)."""
    success_condition, failure_condition = metric.get("successCondition"), metric.get("failureCondition")
    try:
        success = eval_condition(result, success_condition) if success_condition else False
        failure = eval_condition(result, failure_condition) if failure_condition else False
    except ExprError:
        return "Error"
    if not success_condition and not failure_condition:
        return "Successful"
    if success_condition and not failure_condition:
        failure = not success
    elif failure_condition and not success_condition:
        success = not failure
    if failure:
        return "Failed"
    if not success:
        return "Inconclusive"
    return "Successful"


def assess_metric(phases: list[str], metric: dict[str, Any]) -> str:
    """``assessMetricStatus`` after the measurements ``phases`` (``analysis/analysis.go``): Failed past
    ``failureLimit``, Inconclusive past ``inconclusiveLimit``, Error past ``consecutiveErrorLimit``
    (default 4), later checks overriding earlier ones as in Argo; Successful once ``count`` is reached;
    else Running."""
    failed = phases.count("Failed")
    inconclusive = phases.count("Inconclusive")
    consecutive_errors = 0
    for phase in phases:
        consecutive_errors = consecutive_errors + 1 if phase == "Error" else 0
    verdict = ""
    failure_limit = int(metric.get("failureLimit", 0))
    if failure_limit >= 0 and failed > failure_limit:
        verdict = "Failed"
    if inconclusive > int(metric.get("inconclusiveLimit", 0)):
        verdict = "Inconclusive"
    if consecutive_errors > int(metric.get("consecutiveErrorLimit", 4)):
        verdict = "Error"
    if verdict:
        return verdict
    return "Successful" if len(phases) >= int(metric["count"]) else "Running"


ROLLOUT_REACTION = {
    "Successful": "continue",
    "Running": "wait",
    "Inconclusive": "pause",
    "Failed": "abort",
    "Error": "abort",
}
"""What the Rollout does with an AnalysisRun in each phase (``rollout/analysis.go`` ``setPauseOrAbort``)."""
