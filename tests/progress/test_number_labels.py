"""Every number a suggestion rule reports has a label in words on the physio's panel."""

import ast
import inspect

import pytest

from app.domain import suggestions as rules
from app.progress.suggestions import NUMBER_LABELS, SETTING_NAMES, _number
from tests.domain.test_suggestions import SCENARIOS, context


def _numbers_keys_in_the_rules() -> set[str]:
    """Return the keys of every numbers dict the rules write, read from their source."""
    tree = ast.parse(inspect.getsource(rules))
    keys: set[str] = set()

    def dict_keys(node: ast.AST | None) -> set[str]:
        if not isinstance(node, ast.Dict):
            return set()
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}

    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        assigned = {
            target.id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {
            node.target.id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            for keyword in call.keywords:
                if keyword.arg == "numbers":
                    value = keyword.value
                    if isinstance(value, ast.Name):
                        value = assigned.get(value.id)
                    keys |= dict_keys(value)
            if isinstance(call.func, ast.Name) and call.func.id == "_hold":
                keys |= dict_keys(call.args[3] if len(call.args) > 3 else None)
    return keys


def test_the_source_scan_finds_the_rules_numbers():
    found = _numbers_keys_in_the_rules()
    assert {"adherence", "mornings_known", "change_percent", "green_max_during"} <= found
    assert {"weeks_in_phase", "stage_gate_pain", "walk_run_max_pain", "line_adherence"} <= found


def test_every_numbers_key_in_the_rules_has_a_label():
    assert _numbers_keys_in_the_rules() - set(NUMBER_LABELS) - SETTING_NAMES == set()


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_number_the_scenarios_report_has_a_label(name):
    scenario = SCENARIOS[name]
    ctx = context(scenario.lines, scenario.thresholds, scenario.plan_changed)
    for suggestion in rules.suggest(scenario.records, ctx):
        assert set(suggestion.numbers) <= set(NUMBER_LABELS) | SETTING_NAMES, suggestion.rule


def test_percentages_are_shown_with_a_percent_sign():
    assert _number("change_percent", 67) == "67%"
    assert _number("adherence", 0.86) == "86%"
    assert _number("mcid", 2) == "2"
