from pathlib import Path

from django.utils import translation

from consent.texts import banner_text, form_consent_text
from register.loader import get_register

APPS = [Path(__file__).resolve().parents[2] / app for app in ("consent", "booking")]


# The catalogues themselves (complete, not fuzzy, compiled) are checked for every app by
# leadkeeper/tests/test_catalogues.py.


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
