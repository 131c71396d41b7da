"""The CASA stand-in running a restore script (``casa --pipeline -c SCRIPT.py``) by executing only
the shapes a restore script is made of, never arbitrary code.

Recognised: ``from recipes.almahelpers import <helper>``; ``__rethrow_casa_exceptions = <bool>``;
calls of a name with literal keyword arguments (``task(...)`` or ``x = task(...)``); ``try:`` ...
``finally:`` around them. A name that is not a pipeline task, an imported helper or a CASA task the
stand-in knows fails as Python fails in CASA: ``NameError: name '<name>' is not defined``, with the
traceback pointing at the script line, exit code 1; the ``finally:`` part runs first. A task that
fails raises its error when ``__rethrow_casa_exceptions`` is true (the pipeline CLI's behaviour),
else it is logged and the script goes on. Anything else in the script is refused before any of it
runs (exit code 2). Never imported by production code.
"""

from __future__ import annotations

import ast
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from restore.standins.pipeline import StandinPipeline

HELPER_MODULES = {"recipes.almahelpers": ("fixsyscaltimes",)}


class NotAShape(ValueError):
    """A statement the stand-in does not run."""


def _is_flag(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["__rethrow_casa_exceptions"]
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, bool)
    )


def _is_call(node: ast.stmt) -> bool:
    if not (isinstance(node, ast.Expr | ast.Assign) and isinstance(node.value, ast.Call)):
        return False
    call = node.value
    if not isinstance(call.func, ast.Name) or call.args or not all(kw.arg for kw in call.keywords):
        return False
    try:
        for keyword in call.keywords:
            ast.literal_eval(keyword.value)
    except ValueError:
        return False
    return True


def _check(statements: list[ast.stmt]) -> None:
    for node in statements:
        if isinstance(node, ast.ImportFrom) and node.module in HELPER_MODULES:
            continue
        if _is_flag(node) or _is_call(node):
            continue
        if isinstance(node, ast.Try) and not node.handlers and not node.orelse:
            _check(node.body)
            _check(node.finalbody)
            continue
        raise NotAShape(
            f"line {node.lineno}: {ast.unparse(node).splitlines()[0]!r} is not a shape the stand-in runs"
        )


class ScriptRun:
    def __init__(self, path: Path, pipeline: StandinPipeline):
        self.path = path
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.pipeline = pipeline
        self.rethrow = False
        self.names: dict[str, Callable[..., Any]] = {"fixplanets": pipeline.fixplanets}

    def execute(self, statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name not in HELPER_MODULES[node.module]:
                        error = ImportError(f"cannot import name '{alias.name}' from '{node.module}'")
                        raise _ScriptError(error, node.lineno)
                    self.names[alias.asname or alias.name] = getattr(self.pipeline, alias.name)
            elif isinstance(node, ast.Try):
                try:
                    self.execute(node.body)
                finally:
                    self.execute(node.finalbody)
            elif isinstance(node.value, ast.Constant):
                self.rethrow = node.value.value
            else:
                self.call(node.value)

    def call(self, call: ast.Call) -> None:
        name = call.func.id
        arguments = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
        is_task = name not in self.names
        try:
            function = self.pipeline.task(name) if is_task else self.names[name]
        except KeyError:
            raise _ScriptError(NameError(f"name '{name}' is not defined"), call.lineno) from None
        try:
            function(**arguments)
        except Exception as error:
            if is_task and not self.rethrow:  # the pipeline CLI logs a failed task and returns
                self.pipeline.log(f"Task {name} failed: {error}", name)
                return
            raise _ScriptError(error, call.lineno) from error

    def traceback_text(self, error: _ScriptError) -> str:
        source = self.lines[error.line - 1].strip() if 0 < error.line <= len(self.lines) else ""
        cause = "".join(traceback.format_exception_only(error.error)).strip()
        return (
            "Traceback (most recent call last):\n"
            f'  File "{self.path}", line {error.line}, in <module>\n    {source}\n{cause}'
        )


class _ScriptError(Exception):
    def __init__(self, error: BaseException, line: int):
        super().__init__(str(error))
        self.error = error
        self.line = line


def run_script(path: Path, pipeline: StandinPipeline) -> int:
    try:
        module = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        _check(module.body)
    except (OSError, SyntaxError, NotAShape) as error:
        print(f"standin_casa: {path}: {error}", file=sys.stderr)
        return 2
    pipeline.spread_sleep(sum(isinstance(node, ast.Call) for node in ast.walk(module)))
    run = ScriptRun(path, pipeline)
    try:
        run.execute(module.body)
    except _ScriptError as error:
        text = run.traceback_text(error)
        pipeline.log(text, "casa")
        print(text, file=sys.stderr, flush=True)
        return 1
    return 0
