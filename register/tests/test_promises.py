"""Every promise proven: the check that binds the policy's sentences to tests."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from register.loader import DEFAULT_PATH, get_register
from register.promises import check_promises, promise_table
from register.schema import Promise

ROOT = Path(settings.BASE_DIR)
MODULE = """
import sys
import pytest

pytestmark = pytest.mark.django_db

def test_sound():
    assert 1 + 1 == 2

@pytest.mark.skip(reason="later")
def test_skipped():
    assert True

@pytest.mark.skipif(True, reason="never in CI")
def test_skipped_if_true():
    assert True

@pytest.mark.skipif("sys.platform != 'no-such-os'", reason="a string condition")
def test_skipped_by_a_string():
    assert True

@pytest.mark.skipif(False, reason="runs everywhere")
def test_not_skipped():
    assert True

def test_skips_itself():
    pytest.skip("not today")

class TestGroup:
    @pytest.mark.parametrize("n", [1, 2])
    def test_in_a_class(self, n):
        assert n
"""


@pytest.fixture
def tests_root(tmp_path, monkeypatch) -> tuple[Path, str]:
    """A scratch tree with one test module, importable as pytest would import it."""
    package = f"scratch_{uuid.uuid4().hex[:8]}"
    (tmp_path / package / "tests").mkdir(parents=True)
    (tmp_path / package / "tests" / "test_things.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path, f"{package}/tests/test_things.py"


def _promise(*tests: str, **fields: object) -> Promise:
    return Promise(id="p", section=4, text="A promise.", tests=list(tests), **fields)


def _problems(root: Path, *tests: str) -> list[str]:
    return check_promises([_promise(*tests)], root=root).problems


def test_every_promise_in_the_register_is_proven_or_openly_pending():
    report = check_promises(get_register().promises, root=ROOT)
    assert report.problems == []
    assert len(report.proven) >= 30 and report.tests
    assert {p.awaiting for p in report.pending} <= {"rights", "retention", "operations"}
    sections = {p.section for p in report.proven}
    assert sections >= {1, 2, 3, 4, 5, 6, 7, 8, 9}


def test_a_sound_test_proves_its_promise(tests_root):
    root, module = tests_root
    report = check_promises(
        [_promise(f"{module}::test_sound", f"{module}::TestGroup::test_in_a_class[1]")], root=root
    )
    assert report.problems == [] and [p.id for p in report.proven] == ["p"]
    assert report.summary() == "1 of 1 promises proven by 2 tests"


def test_a_promise_without_a_test_fails():
    (problem,) = check_promises([_promise()], root=ROOT).problems
    assert problem.startswith("promises 'p' (§4) names no test: write one and add tests = [")


def test_a_test_that_does_not_exist_fails(tests_root):
    root, module = tests_root
    assert _problems(root, f"{module}::test_gone") == [
        f"promises 'p' (§4): test '{module}::test_gone' does not exist"
    ]
    assert "no such file" in _problems(root, "nowhere/test_x.py::test_a")[0]
    assert "does not exist" in _problems(root, f"{module}::TestGroup::test_other")[0]


@pytest.mark.parametrize(
    "name", ["test_skipped", "test_skipped_if_true", "test_skipped_by_a_string"]
)
def test_a_test_skipped_in_ci_proves_nothing(tests_root, name):
    root, module = tests_root
    assert _problems(root, f"{module}::{name}") == [
        f"promises 'p' (§4): test '{module}::{name}' is skipped in CI: it proves nothing there"
    ]


def test_a_false_skip_condition_is_no_skip(tests_root):
    root, module = tests_root
    assert _problems(root, f"{module}::test_not_skipped") == []


def test_a_test_that_skips_itself_proves_nothing(tests_root):
    root, module = tests_root
    (problem,) = _problems(root, f"{module}::test_skips_itself")
    assert problem.endswith("can skip itself (pytest.skip in its body)")


def test_a_pending_promise_is_reported_not_proven_while_its_app_has_no_tests(tmp_path):
    (tmp_path / "rights" / "tests").mkdir(parents=True)
    report = check_promises([_promise(status="pending", awaiting="rights")], root=tmp_path)
    assert report.problems == [] and report.proven == []
    assert report.summary() == (
        "0 of 1 promises proven by 0 tests; 1 promises pending, NOT proven: p (awaiting rights)"
    )
    (tmp_path / "rights" / "tests" / "test_desk.py").write_text("def test_x():\n    pass\n")
    (problem,) = check_promises(
        [_promise(status="pending", awaiting="rights")], root=tmp_path
    ).problems
    assert problem == (
        "promises 'p' is pending, but rights now has tests: name the ones that prove it "
        'and drop status = "pending"'
    )


def test_register_check_prints_the_count_and_the_pending_promises(capsys):
    call_command("register", "check")
    out = capsys.readouterr().out
    assert "register: no linter findings" in out
    assert "promises proven by" in out and "promises pending, NOT proven: " in out
    assert "storage_location (awaiting operations)" in out


def test_register_check_fails_naming_the_broken_promise(settings, tmp_path):
    broken = tmp_path / "register.toml"
    broken.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8")
        + '\n[[promises]]\nid = "unproven"\nsection = 3\ntext = "We promise."\n',
        encoding="utf-8",
    )
    settings.REGISTER_PATH = str(broken)
    with pytest.raises(CommandError, match=r"promises 'unproven' \(§3\) names no test"):
        call_command("register", "check")


def test_register_check_fails_on_a_linter_finding(settings, tmp_path):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "register.toml"
    broken.write_text(text.replace('duration = "2 weeks"', 'duration = ""'), encoding="utf-8")
    settings.REGISTER_PATH = str(broken)
    with pytest.raises(CommandError, match=r"cookies 'sessionid': has no duration"):
        call_command("register", "check")


def test_the_readme_lists_every_promise_with_its_tests():
    register = get_register()
    table = promise_table(register.promises, check_promises(register.promises, root=ROOT))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table in readme, "run `manage.py register promises` and paste it into the README"
