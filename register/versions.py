"""What changed between two published policy versions, section by section.

The comparison is made on the policy as rendered for the reader (in the reader's language),
not on the register's data: a person compares sentences, not TOML keys (GDPR Art. 12(1):
concise, intelligible, in clear and plain language). Each section's lines are its paragraphs,
list items and table rows; a line is added, removed, or unchanged.
"""

import difflib
from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCKS = {"p", "li", "tr"}


@dataclass(frozen=True)
class SectionChange:
    title: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class _Sections(HTMLParser):
    """Collects the text of block elements inside <article>, grouped under each <h2>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, list[str]]] = []
        self._in_article = False
        self._heading: list[str] | None = None
        self._block: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "article":
            self._in_article = True
        elif self._in_article and tag == "h2":
            self._heading = []
        elif self._in_article and self.sections and tag in BLOCKS:
            self._depth += 1
            if self._block is None:
                self._block = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._in_article = False
        elif tag == "h2" and self._heading is not None:
            self.sections.append((_clean(self._heading), []))
            self._heading = None
        elif tag in BLOCKS and self._block is not None:
            self._depth -= 1
            if self._depth == 0:
                text = _clean(self._block)
                if text:
                    self.sections[-1][1].append(text)
                self._block = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        elif self._block is not None:
            self._block.append(data)


def _clean(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def policy_sections(html: str) -> list[tuple[str, list[str]]]:
    parser = _Sections()
    parser.feed(html)
    parser.close()
    return parser.sections


def compare_policies(*, before: str, after: str) -> list[SectionChange]:
    """Sections of `after` that differ from `before` (by title), plus sections removed."""
    old = dict(policy_sections(before))
    new = policy_sections(after)
    changes = []
    for title, lines in new:
        added, removed = _diff(old.get(title, []), lines)
        if added or removed:
            changes.append(SectionChange(title=title, added=added, removed=removed))
    titles = {title for title, _ in new}
    for title, lines in old.items():
        if title not in titles:
            changes.append(SectionChange(title=title, removed=list(lines)))
    return changes


def _diff(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    added: list[str] = []
    removed: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            removed.extend(before[i1:i2])
        if op in ("insert", "replace"):
            added.extend(after[j1:j2])
    return added, removed
