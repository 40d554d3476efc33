"""Every promise of the policy, traced to the tests that prove it (register.toml [[promises]]).

A promise is proven when it names at least one test, every test it names exists, and none
of them is skipped in CI. Test modules are read with `ast` (no collection run, so the check
takes well under a second); a module is imported only to evaluate a `skipif` condition, as
pytest itself would. A promise kept by an app still being built is `pending`: reported as
unproven, never counted as proof, and tolerated only while that app has no tests at all.
"""

import ast
import importlib
import os
import platform
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .schema import Promise

SKIP_MARKS = {"skip", "skipif"}


@dataclass
class PromiseReport:
    proven: list[Promise] = field(default_factory=list)
    pending: list[Promise] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tests: set[str] = field(default_factory=set)

    def summary(self) -> str:
        total = len(self.proven) + len(self.pending)
        line = f"{len(self.proven)} of {total} promises proven by {len(self.tests)} tests"
        if self.pending:
            names = ", ".join(f"{p.id} (awaiting {p.awaiting})" for p in self.pending)
            line += f"; {len(self.pending)} promises pending, NOT proven: {names}"
        return line


def check_promises(promises: list[Promise], *, root: Path) -> PromiseReport:
    report = PromiseReport()
    for promise in promises:
        if promise.status == "pending":
            _check_pending(promise, root, report)
            continue
        if not promise.tests:
            report.problems.append(
                f"promises {promise.id!r} (§{promise.section}) names no test: "
                f'write one and add tests = ["path/to/test_x.py::test_name"]'
            )
            continue
        failures = [problem for node in promise.tests if (problem := test_problem(node, root))]
        for problem in failures:
            report.problems.append(f"promises {promise.id!r} (§{promise.section}): {problem}")
        if not failures:
            report.proven.append(promise)
            report.tests.update(promise.tests)
    return report


def _check_pending(promise: Promise, root: Path, report: PromiseReport) -> None:
    if not promise.awaiting:
        report.problems.append(
            f'promises {promise.id!r} is pending on nothing: add awaiting = "<app>"'
        )
    elif app_has_tests(root / promise.awaiting):
        report.problems.append(
            f"promises {promise.id!r} is pending, but {promise.awaiting} now has tests: "
            'name the ones that prove it and drop status = "pending"'
        )
    else:
        report.pending.append(promise)


def app_has_tests(app_dir: Path) -> bool:
    return any(_definitions(path)[0] for path in sorted((app_dir / "tests").glob("test_*.py")))


def test_problem(node_id: str, root: Path) -> str | None:
    """Why `node_id` proves nothing (missing, or skipped in CI), or None when it is sound."""
    path_part, _, rest = node_id.partition("::")
    names = [name.split("[", 1)[0] for name in rest.split("::")] if rest else []
    path = root / path_part
    if not names or not path.is_file():
        return f"test {node_id!r} does not exist (no such file or no test named)"
    tests, _ = _definitions(path)
    if tuple(names) not in tests:
        return f"test {node_id!r} does not exist"
    skip_marks = tests[tuple(names)]
    if "skip-call" in skip_marks:
        return f"test {node_id!r} can skip itself (pytest.skip in its body)"
    if skip_marks and _skipped(path, root, names):
        return f"test {node_id!r} is skipped in CI: it proves nothing there"
    return None


@cache
def _definitions(path: Path) -> tuple[dict[tuple[str, ...], set[str]], bool]:
    """Tests in a module -> the skip marks around each; and whether the module skips."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            module_marks |= _marks_in(node.value)
    tests: dict[tuple[str, ...], set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            tests[(node.name,)] = module_marks | _decorator_marks(node) | _skip_calls(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            class_marks = module_marks | _decorator_marks(node)
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    marks = class_marks | _decorator_marks(item) | _skip_calls(item)
                    tests[(node.name, item.name)] = marks
    return tests, bool(module_marks)


def _marks_in(node: ast.AST) -> set[str]:
    return {
        sub.attr
        for sub in ast.walk(node)
        if isinstance(sub, ast.Attribute) and sub.attr in SKIP_MARKS
    }


def _decorator_marks(node: ast.FunctionDef | ast.ClassDef) -> set[str]:
    return set().union(*(_marks_in(d) for d in node.decorator_list))


def _skip_calls(node: ast.FunctionDef) -> set[str]:
    body = ast.Module(body=node.body, type_ignores=[])  # not the decorators
    for sub in ast.walk(body):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in {"skip", "importorskip"}
        ):
            return {"skip-call"}
    return set()


def _skipped(path: Path, root: Path, names: list[str]) -> bool:
    """Evaluate the test's real skip marks as pytest would, in this environment (CI's)."""
    marks = _skip_marks(path, root, names)
    if marks is None:
        return False
    module = sys.modules[_module_name(path, root)]
    for mark in marks:
        if mark.name == "skip":
            return True
        conditions = mark.args or (mark.kwargs.get("condition", True),)
        if any(_true(condition, module) for condition in conditions):
            return True
    return False


def _skip_marks(path: Path, root: Path, names: list[str]) -> list | None:
    module = importlib.import_module(_module_name(path, root))
    found = list(_as_list(getattr(module, "pytestmark", [])))
    obj: object = module
    for name in names:
        obj = getattr(obj, name)
        found.extend(_as_list(getattr(obj, "pytestmark", [])))
    marks = [m for m in found if getattr(m, "name", "") in SKIP_MARKS]
    return marks or None


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _true(condition: object, module: object) -> bool:
    if isinstance(condition, str):
        # pytest evaluates string conditions with os, sys, platform and the module's globals.
        namespace = {"os": os, "sys": sys, "platform": platform, **vars(module)}
        return bool(eval(condition, namespace))  # noqa: S307 - pytest's own semantics
    return bool(condition)


def _module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def promise_table(promises: list[Promise], report: PromiseReport) -> str:
    """The promise -> test table the README shows (Markdown)."""
    lines = [
        f"{report.summary()}.",
        "",
        "| § | the policy promises | proven by |",
        "| --- | --- | --- |",
    ]
    for promise in promises:
        if promise.status == "pending":
            proof = f"**pending, not proven** (awaiting `{promise.awaiting}`)"
        else:
            proof = "<br>".join(f"`{node}`" for node in promise.tests)
        lines.append(f"| {promise.section} | {promise.text} | {proof} |")
    return "\n".join(lines)
