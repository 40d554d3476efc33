"""Every word a person reads is marked for translation and translated (docs/i18n.md)."""

import pytest

from leadkeeper import catalogues

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
