"""Layout rules, one test per rule, read from the source with ``ast``: which module may import
which."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def imported_modules(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, dotted name) for every import in ``source``, nested ones included; for
    ``from a import b`` both ``a`` and ``a.b``, as ``b`` may be a module. ``package`` resolves
    relative imports."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(filter(None, [package if node.level else "", node.module]))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def is_conftest_or_test_module(name: str) -> bool:
    parts = name.split(".")
    return (len(parts) > 1 and parts[0] == "tests"
            and (parts[1] == "conftest" or parts[1].startswith("test_")))


@pytest.mark.parametrize(("source", "found"), [
    ("from tests.conftest import AuthActions", True),
    ("import tests.test_sessions", True),
    ("from tests import test_reports", True),
    ("from .test_sessions import sign", True),
    ("def f():\n    from tests.conftest import AuthActions", True),
    ("from tests.helpers import AuthActions, sign", False),
    ("from tests.browser import served\nfrom tests.web_client import Gunicorn", False),
])
def test_the_import_rule_sees_every_form_of_import(source: str, found: bool) -> None:
    names = [name for _, name in imported_modules(source, "tests")]
    assert any(map(is_conftest_or_test_module, names)) is found


def test_test_modules_import_neither_conftest_nor_each_other() -> None:
    """Shared helpers live in tests/helpers.py and shared fixtures in conftest.py, where pytest
    finds them without an import."""
    paths = sorted((ROOT / "tests").glob("test_*.py"))
    assert paths
    found: dict[str, str] = {}
    for path in paths:
        for line, name in imported_modules(path.read_text(encoding="utf-8"), "tests"):
            if is_conftest_or_test_module(name):
                found.setdefault(f"{path.relative_to(ROOT)}:{line}", name)
    assert not found, "import from tests.helpers instead:\n" + "\n".join(
        f"{where} imports {name}" for where, name in found.items())


def blueprint_modules() -> set[str]:
    """The application modules that define a blueprint (``bp = Blueprint(...)``): the views."""
    found = set()
    for path in (ROOT / "curriculum").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "Blueprint"):
                found.add(f"curriculum.{path.stem}")
    return found


def test_code_that_is_not_a_view_imports_no_blueprint_module() -> None:
    """Views call operations, queries and helpers; those never reach back into a view (STYLE.md,
    'Seams'). The app factory registers the blueprints, so it alone may import them."""
    views = blueprint_modules()
    assert {"curriculum.auth", "curriculum.sessions", "curriculum.topics"} <= views
    others = [path for path in (ROOT / "curriculum").glob("*.py")
              if f"curriculum.{path.stem}" not in views]
    others += [ROOT / "models.py", ROOT / "wsgi.py"]  # (bench/ times views' own functions)
    found = {}
    for path in others:
        for line, name in imported_modules(path.read_text(encoding="utf-8"), "curriculum"):
            if name in views:
                found.setdefault(f"{path.relative_to(ROOT)}:{line}", name)
    assert not found, "move what is shared out of the blueprint:\n" + "\n".join(
        f"{where} imports {name}" for where, name in found.items())
