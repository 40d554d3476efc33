"""`register check` fails when a stored category's retention rule has no clock (policy §5)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from register.loader import DEFAULT_PATH, load_register
from register.retention_check import clockless_retention_problems


def _without_clock(tmp_path, rule: str):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    marker = f'id = "{rule}"\n'
    start = text.index(marker)
    clock_at = text.index("clock = ", start)
    end = text.index("\n", clock_at) + 1
    path = tmp_path / "register.toml"
    path.write_text(text[:clock_at] + text[end:], encoding="utf-8")
    return path


@pytest.mark.django_db
def test_the_shipped_register_gives_every_stored_category_a_clock():
    assert clockless_retention_problems(load_register(DEFAULT_PATH)) == []
    out = StringIO()
    call_command("register", "check", stdout=out)
    assert "valid" in out.getvalue()


@pytest.mark.django_db
def test_a_rule_without_a_clock_names_every_field_that_stores_its_categories(tmp_path):
    problems = clockless_retention_problems(load_register(_without_clock(tmp_path, "contact")))
    assert (
        "capture.Lead.phone stores category 'phone', whose retention rule 'contact' has no clock"
        in problems
    )
    assert "capture.Lead follows retention rule 'contact', which has no clock" in problems


@pytest.mark.django_db
def test_register_check_fails_on_a_clockless_rule(tmp_path, settings):
    settings.REGISTER_PATH = str(_without_clock(tmp_path, "analytics"))
    with pytest.raises(CommandError, match=r"analytics\.Event\.path stores category .interaction."):
        call_command("register", "check", stdout=StringIO())


@pytest.mark.django_db
def test_a_covered_table_without_a_clock_is_named(tmp_path):
    problems = clockless_retention_problems(load_register(_without_clock(tmp_path, "operational")))
    assert "retention rule 'operational' covers crm.KommoEvent without a clock" in problems


@pytest.mark.django_db
def test_the_kommo_webhook_inbox_falls_under_a_rule_with_a_clock(tmp_path):
    problems = clockless_retention_problems(load_register(_without_clock(tmp_path, "kommo_hooks")))
    assert (
        "crm.KommoInbox.body stores category 'name', whose retention rule 'kommo_hooks' has no "
        "clock" in problems
    )


@pytest.mark.django_db
def test_a_table_storing_a_category_that_no_rule_covers_fails_register_check(tmp_path, settings):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    path = tmp_path / "register.toml"
    path.write_text(text.replace('tables = ["crm.KommoInbox:received_at"]\n', ""), "utf-8")
    settings.REGISTER_PATH = str(path)
    with pytest.raises(CommandError, match=r"crm\.KommoInbox\.body stores category 'name', but no"):
        call_command("register", "check", stdout=StringIO())
