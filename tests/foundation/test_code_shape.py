"""The code stays easy to read: no function in app/ is too branchy or too long (issue 12)."""

import ast
from pathlib import Path

from radon.complexity import cc_visit

APP = Path(__file__).resolve().parents[2] / "app"
MAX_COMPLEXITY = 20  # radon grade C or better (`radon cc -n D app` prints nothing)
MAX_LINES = 80


def _sources() -> list[tuple[str, str]]:
    return [(str(path.relative_to(APP.parent)), path.read_text()) for path in APP.rglob("*.py")]


def test_no_function_in_app_is_over_complexity_20():
    too_complex = [
        f"{name}:{block.lineno} {block.fullname} ({block.complexity})"
        for name, source in _sources()
        for block in cc_visit(source)
        if block.complexity > MAX_COMPLEXITY
    ]
    assert too_complex == []


def test_no_function_in_app_is_over_80_lines():
    too_long = [
        f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for name, source in _sources()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert too_long == []
