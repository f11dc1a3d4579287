"""The subset of GitHub Actions expressions the workflows use, evaluated as the runner does.

GitHub docs, "Evaluate expressions in workflows and actions": literals ('x', numbers, true, false,
null), context paths (``inputs.stack``, ``matrix.project``, ``github.ref``), ``!``, ``==``, ``!=``,
``&&`` and ``||`` (which return one of their operands, so ``a && 'x' || 'y'`` is a conditional),
parentheses, and function calls. String comparison ignores case. A context value this model does not
know is :data:`UNKNOWN`: any operator given it returns it, so a caller can tell "false" from "cannot
say". Calls of status functions (``success()``, ``always()``) are true; other calls are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!()\[\],.*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_STATUS_FUNCTIONS = {"success", "always", "failure", "cancelled"}
_EMBEDDED = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read expression {text!r} at {position}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.context = context

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self) -> Any:
        value = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            value = UNKNOWN if value is UNKNOWN else (value if _truthy(value) else right)
        return value

    def conjunction(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = UNKNOWN if value is UNKNOWN else (right if _truthy(value) else value)
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            if value is UNKNOWN or right is UNKNOWN:
                value = UNKNOWN
            else:
                equal = _fold(value) == _fold(right)
                value = equal if op == "==" else not equal
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            value = self.unary()
            return UNKNOWN if value is UNKNOWN else not _truthy(value)
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.expression()
            self.take()  # ")"
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                self.expression()
                if self.peek() == ",":
                    self.take()
            self.take()
            return True if text in _STATUS_FUNCTIONS else UNKNOWN
        path = [text]
        while self.peek() == ".":
            self.take()
            path.append(self.take()[1])
        return self.context.get(".".join(path), UNKNOWN)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _truthy(value: Any) -> bool:
    return value not in (False, None, "", 0)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of one expression (without ``${{ }}``); context keys are dotted paths."""
    parser = _Parser(expression, context)
    value = parser.expression()
    if parser.at != len(parser.tokens):
        raise ValueError(f"trailing tokens in {expression!r}")
    return value


def substitute(text: Any, context: Mapping[str, Any]) -> Any:
    """A workflow value with its ``${{ }}`` parts evaluated: the value itself when the whole text is one
    expression, else a string; :data:`UNKNOWN` when any part is unknown."""
    if not isinstance(text, str):
        return text
    whole = _EMBEDDED.fullmatch(text.strip())
    if whole and text.count("${{") == 1:
        return evaluate(whole.group(1), context)
    parts = []
    for piece in re.split(r"(\$\{\{.*?\}\})", text):
        inner = _EMBEDDED.fullmatch(piece)
        if not inner:
            parts.append(piece)
            continue
        value = evaluate(inner.group(1), context)
        if value is UNKNOWN:
            return UNKNOWN
        parts.append("" if value is None else str(value))
    return "".join(parts)


def condition(text: Any, context: Mapping[str, Any]) -> Any:
    """An ``if:``: bare or wrapped in ``${{ }}``; true when absent. Returns a bool or :data:`UNKNOWN`."""
    if text is None:
        return True
    if isinstance(text, bool):
        return text
    whole = _EMBEDDED.fullmatch(str(text).strip())
    value = evaluate(whole.group(1) if whole else str(text), context)
    return value if value is UNKNOWN else _truthy(value)
