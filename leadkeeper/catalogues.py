"""Translation catalogues without system gettext: extract, update and compile with Babel.

Every app keeps its Russian catalogue in `<app>/locale/ru/LC_MESSAGES/django.po` and the
compiled `.mo` beside it (committed, so a clean clone serves Russian at once). Strings are
found the way `makemessages` finds them: templates through Django's own `templatize`, Python
through Babel's extractor. The test `leadkeeper/tests/test_catalogues.py` fails when a
template shows unmarked text, a marked string is missing from its app's catalogue or fuzzy,
or a `.mo` is older than its `.po`.

    python -m leadkeeper.catalogues update    # add new strings to every .po, drop unused
    python -m leadkeeper.catalogues compile   # write every .mo (make does this too)
"""

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru",)
APPS = (
    "leadkeeper",
    "register",
    "capture",
    "consent",
    "analytics",
    "booking",
    "crm",
    "audit",
    "rights",
    "retention",
)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


@dataclass(frozen=True)
class Message:
    id: str | tuple[str, str]
    context: str | None
    location: tuple[str, int]


def _sources(app: str) -> Iterator[Path]:
    base = ROOT / app
    for path in sorted(base.rglob("*")):
        parts = set(path.relative_to(base).parts)
        if parts & {"tests", "migrations", "locale", "static", "__pycache__"}:
            continue
        if path.suffix in {".py", ".html", ".txt"} and path.is_file():
            if path.suffix == ".txt" and "templates" not in parts:
                continue
            yield path


def _template_as_python(source: str) -> str:
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.utils.translation.template import templatize

    return templatize(source)


def messages_of(app: str) -> list[Message]:
    found: list[Message] = []
    for path in _sources(app):
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = _template_as_python(text)
        rel = str(path.relative_to(ROOT))
        for lineno, message, _comments, context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
        ):
            found.append(Message(id=message, context=context, location=(rel, lineno)))
    return found


def po_path(app: str, language: str) -> Path:
    return ROOT / app / "locale" / language / "LC_MESSAGES" / "django.po"


def read_catalogue(app: str, language: str) -> Catalog:
    path = po_path(app, language)
    if not path.exists():
        return Catalog(locale=language, project="leadkeeper", domain="django")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain="django")


def compiled(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    return buffer.getvalue()


def update(app: str, language: str) -> int:
    """Merge the app's current strings into its catalogue; returns how many lack a translation."""
    messages = messages_of(app)
    path = po_path(app, language)
    if not messages and not path.exists():
        return 0
    template = Catalog(project="leadkeeper", domain="django")
    for m in messages:
        template.add(m.id, locations=[m.location], context=m.context)
    catalogue = read_catalogue(app, language)
    created = catalogue.creation_date  # kept: an unchanged catalogue stays byte-identical
    catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalogue.creation_date = created
    catalogue.fuzzy = False
    catalogue.project, catalogue.version = "leadkeeper", "1"
    catalogue.last_translator = catalogue.language_team = "leadkeeper maintainers"
    buffer = io.BytesIO()  # written whole, so a failure never leaves half a catalogue
    write_po(buffer, catalogue, width=100, ignore_obsolete=True, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return sum(1 for m in catalogue if m.id and not _translated(m))


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings) and not message.fuzzy


def compile_all() -> list[Path]:
    written = []
    for app in APPS:
        for language in LANGUAGES:
            po = po_path(app, language)
            if po.exists():
                mo = po.with_suffix(".mo")
                data = compiled(read_catalogue(app, language))
                if not mo.exists() or mo.read_bytes() != data:
                    mo.write_bytes(data)
                    written.append(mo)
    return written


# --- Text a template shows without marking it for translation ----------------------------
_DROP = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"{%.*?%}|{{.*?}}", re.S),
]
_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')
_TAG = re.compile(r"<[^>]*>", re.S)
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]{2,}")
# Not prose: format names and the brand, the same in every language.
NOT_PROSE = {"CSV", "JSON", "UTC", "GDPR", "Art", "leadkeeper"}


def unmarked_text(source: str) -> list[str]:
    for pattern in _DROP:
        source = pattern.sub(" ", source)
    found = [value for value in _ATTRIBUTE.findall(source) if _WORD.search(value)]
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", _TAG.sub(" ", source))
    found += [w for w in _WORD.findall(text) if w not in NOT_PROSE]
    return found


def templates() -> Iterator[Path]:
    for app in APPS:
        yield from sorted((ROOT / app / "templates").rglob("*.html"))


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        for app in APPS:
            for language in LANGUAGES:
                missing = update(app, language)
                if missing:
                    print(f"{app} {language}: {missing} string(s) to translate")
        return 0
    if command == "compile":
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
