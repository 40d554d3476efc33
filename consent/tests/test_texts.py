import ast
import gettext
from pathlib import Path

import pytest
from django.utils import translation

from consent.texts import banner_text, form_consent_text
from register.loader import get_register

APPS = [Path(__file__).resolve().parents[2] / app for app in ("consent", "booking")]


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (enough of the format for our own catalogs)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    field = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            if msgid:
                entries[msgid] = msgstr
            msgid, msgstr, field = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and field == "id":
            msgid += ast.literal_eval(line)
        elif line.startswith('"') and field == "str":
            msgstr += ast.literal_eval(line)
    if msgid:
        entries[msgid] = msgstr
    return entries


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_the_committed_russian_catalog_is_complete_and_compiled(app):
    po = app / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    entries = _po_entries(po)
    assert entries and all(entries.values()), [k for k, v in entries.items() if not v]
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstr in entries.items():
        assert compiled.gettext(msgid) == msgstr, f"{app.name}: recompile the .mo ({msgid[:40]})"


def test_every_word_of_the_banner_has_a_russian_version():
    with translation.override("en"):
        english = banner_text()
    with translation.override("ru"):
        russian = banner_text()
    for field in ("title", "intro", "choose", "always_on", "accept_all", "reject_all", "save"):
        assert getattr(russian, field) != getattr(english, field), field
    for en, ru in zip(english.categories, russian.categories, strict=True):
        assert ru.title != en.title and ru.description != en.description, en.id
    assert russian.accept_all == "Принять все" and russian.reject_all == "Отклонить все"


def test_every_consent_category_of_the_register_is_on_the_banner():
    ids = [c.id for c in banner_text().categories]
    assert ids == [c.id for c in get_register().consent_categories]
    assert banner_text().categories[0].required


def test_the_canonical_banner_text_holds_every_visible_word():
    text = banner_text()
    canonical = text.canonical
    for part in (text.title, text.intro, text.accept_all, text.reject_all, text.save):
        assert part in canonical
    for category in text.categories:
        assert category.title in canonical and category.description in canonical


def test_the_form_consent_is_translated_too():
    with translation.override("ru"):
        assert form_consent_text().startswith("Я согласен")
