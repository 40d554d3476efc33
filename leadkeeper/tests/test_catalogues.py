"""Every word a person reads is marked for translation and translated (docs/i18n.md)."""

import pytest

from leadkeeper import catalogues
from register.loader import get_register
from register.schema import Register

APPS_WITH_CATALOGUES = [app for app in catalogues.APPS if catalogues.po_path(app, "ru").exists()]


@pytest.mark.parametrize("template", list(catalogues.templates()), ids=lambda p: p.name)
def test_templates_show_no_text_unmarked_for_translation(template):
    assert catalogues.unmarked_text(template.read_text(encoding="utf-8")) == []


def test_unmarked_text_is_found_in_prose_and_in_attributes():
    source = '<p>{% translate "Marked" %} Hello</p><nav aria-label="Main">{{ x }}</nav>'
    assert catalogues.unmarked_text(source) == ["Main", "Hello"]


@pytest.mark.parametrize("app", catalogues.APPS)
def test_every_marked_string_has_a_russian_translation(app):
    catalogue = catalogues.read_catalogue(app, "ru")
    problems = []
    for message in catalogues.messages_of(app):
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            problems.append(f"missing: {message.id!r} ({message.location[0]})")
        elif entry.fuzzy or not all(
            entry.string if isinstance(entry.string, tuple | list) else [entry.string]
        ):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
    assert problems == [], "run `python -m leadkeeper.catalogues update`, then translate"


@pytest.mark.parametrize("app", APPS_WITH_CATALOGUES)
def test_compiled_catalogues_match_their_sources(app):
    po = catalogues.po_path(app, "ru")
    compiled = catalogues.compiled(catalogues.read_catalogue(app, "ru"))
    assert po.with_suffix(".mo").read_bytes() == compiled, (
        "run `python -m leadkeeper.catalogues compile` (make does)"
    )


def _missing_twins(entry, where: str) -> list[str]:
    missing = []
    for name in type(entry).translated_fields("ru"):
        if getattr(entry, name) and not getattr(entry, f"{name}_ru"):
            missing.append(f"{where}.{name}_ru")
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if hasattr(item, "translated_fields"):
                    missing += _missing_twins(item, f"{where}.{name}[{i}]")
        elif hasattr(value, "translated_fields"):
            missing += _missing_twins(value, f"{where}.{name}")
    return missing


def test_every_prose_field_of_the_register_has_its_russian_twin():
    assert _missing_twins(get_register(), "register") == []


def test_the_register_localized_to_russian_reads_russian_and_keeps_proper_names():
    ru = get_register().localized("ru")
    assert ru.policy.title == "Политика конфиденциальности"
    assert {r.name for r in ru.recipients} >= {"Kommo CRM (amoCRM)", "Cal.com"}
    assert get_register().localized("en") == get_register()
    assert isinstance(ru, Register)
