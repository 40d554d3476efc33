"""The drift scan: every public page, in every consent state, against the register.

One headless Chromium (the session's `chromium` fixture), one context per consent state. The
context bypasses the CSP on purpose: the CSP is built from the register too, so with it on, a
template that reaches an undeclared host would be silently blocked and the drift unseen.
Every request to another host is answered locally by a stand-in (never sent) and recorded;
Google's stand-in sets the cookies gtag.js sets, so a tag loaded without consent shows up
as cookies as well as hosts. After each page the cookies and local storage are read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from register.loader import get_register


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # "{thanks}" and "{latest}" are filled in by the scan
    # A page another app is still building: scanned as soon as its URL resolves.
    until_routed: bool = False


# The public pages (DESIGN: interfaces). Adding a page is one line.
PUBLIC_PAGES = (
    Page("landing", "/?utm_source=scan&utm_medium=test"),
    Page("thanks", "/thanks/?t={thanks}"),
    Page("policy", "/privacy/"),
    Page("policy version", "/privacy/v/{latest}/"),
    Page("consent page", "/privacy/consent/"),
    Page("rights", "/rights/", until_routed=True),
    Page("API docs", "/api/docs"),
    Page("not found", "/no-such-page/"),
)


@dataclass(frozen=True)
class State:
    name: str
    choice: str  # the banner button: accept_all, reject_all, save; "" for no choice
    categories: frozenset[str] = frozenset()
    withdraw: bool = False  # accept everything, then withdraw each category on /privacy/consent/

    @property
    def granted(self) -> frozenset[str]:
        return frozenset() if self.withdraw else self.categories


def consent_states() -> list[State]:
    optional = [c.id for c in get_register().consent_categories if not c.required]
    return [
        State("none given", ""),
        *(State(f"{c} only", "save", frozenset({c})) for c in optional),
        State("all accepted", "accept_all", frozenset(optional)),
        State("all rejected", "reject_all"),
        State("after withdrawal", "accept_all", frozenset(optional), withdraw=True),
    ]


@dataclass
class Visit:
    page: str
    state: str
    hosts: set[str] = field(default_factory=set)
    stored: set[str] = field(default_factory=set)  # cookies and local storage keys
    undeclared: list[str] = field(default_factory=list)


def declared_for(granted: frozenset[str]) -> tuple[list[str], list[str]]:
    """Host and cookie patterns the register allows a visitor who granted `granted`."""
    register = get_register()
    required = {c.id for c in register.consent_categories if c.required}
    hosts = [
        h for r in register.recipients if r.when == "always" or r.when in granted for h in r.hosts
    ]
    cookies = [c.name for c in register.cookies if c.category in required | granted]
    return hosts, cookies


def _stand_in(url: str, ga_id: str) -> str:
    if "googletagmanager.com/gtag/js" in url:
        # What gtag.js does on load, per Google's cookie documentation: _ga and _ga_<id>.
        return (
            f"document.cookie='_ga=GA1.1.1.1;path=/';"
            f"document.cookie='_ga_{ga_id.removeprefix('G-')}=GS1.1.1;path=/';"
        )
    return "/* answered locally by the scan */"


def scan(
    browser, base_url: str, *, paths: dict[str, str], states: list[State], ga_id: str
) -> list[Visit]:
    visits = []
    for state in states:
        visits.extend(_scan_state(browser, base_url, paths=paths, state=state, ga_id=ga_id))
    return visits


def _scan_state(browser, base_url: str, *, paths, state: State, ga_id: str) -> list[Visit]:
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    current: list[Visit] = []

    def route(request) -> None:
        url = request.request.url
        if url.startswith(base_url):
            return request.continue_()
        if current:
            current[-1].hosts.add(urlsplit(url).hostname or url)
        return request.fulfill(
            status=200, body=_stand_in(url, ga_id), content_type="application/javascript"
        )

    context.route("**/*", route)
    in_flight: set = set()
    context.on("request", lambda r: in_flight.add(r))
    context.on("requestfinished", lambda r: in_flight.discard(r))
    context.on("requestfailed", lambda r: in_flight.discard(r))
    page = context.new_page()
    _enter_state(page, state)
    hosts, cookies = declared_for(state.granted)
    for name, path in paths.items():
        visit = Visit(page=name, state=state.name)
        current.append(visit)
        page.goto(path, wait_until="load")
        _settle(page, in_flight)
        visit.stored = {c["name"] for c in context.cookies()} | set(
            page.evaluate("Object.keys(window.localStorage)")
        )
        _judge(visit, hosts, cookies)
    page.goto("about:blank")
    context.close()
    return current


def _settle(page, in_flight: set) -> None:
    """Wait until every request the page started has been answered (scripts that load
    others after `load`, the analytics beacon), without a fixed idle delay."""
    for _ in range(250):
        if not in_flight:
            return
        page.wait_for_timeout(20)


def _enter_state(page, state: State) -> None:
    if not state.choice:
        return
    page.goto("/privacy/consent/", wait_until="load")
    with page.expect_navigation():
        page.evaluate(
            """([choice, categories]) => {
                const form = document.querySelector('form.lkc-box');
                for (const box of form.querySelectorAll('input[data-category]')) {
                    box.checked = categories.includes(box.dataset.category);
                }
                // The banner's no-script path: a plain POST that always navigates (its
                // script reloads only when the granted set changes).
                const input = Object.assign(document.createElement('input'),
                    {type: 'hidden', name: 'choice', value: choice});
                form.append(input);
                HTMLFormElement.prototype.submit.call(form);
            }""",
            [state.choice, sorted(state.categories)],
        )
    if state.withdraw:
        for category in sorted(state.categories):
            page.goto("/privacy/consent/", wait_until="load")
            button = page.locator(
                f'form:has(input[name=category][value="{category}"]) button[value=withdraw]'
            )
            with page.expect_navigation():
                button.click()


def _judge(visit: Visit, hosts: list[str], cookies: list[str]) -> None:
    for host in sorted(visit.hosts):
        if not any(fnmatch(host, pattern) for pattern in hosts):
            visit.undeclared.append(
                f"page {visit.page!r} in state {visit.state!r} contacted {host}, which the "
                "register does not declare for that state"
            )
    for name in sorted(visit.stored):
        if not any(fnmatch(name, pattern) for pattern in cookies):
            visit.undeclared.append(
                f"page {visit.page!r} in state {visit.state!r} set cookie or storage {name!r}, "
                "which the register does not declare for that state"
            )


def routed_pages(fill: Callable[[str], str]) -> tuple[dict[str, str], list[str]]:
    """Pages to scan (name -> path), and the ones skipped because they are not routed yet."""
    paths, waiting = {}, []
    for page in PUBLIC_PAGES:
        path = fill(page.path)
        if page.until_routed and not _routed(path):
            waiting.append(f"{page.name} ({path}): not routed yet")
            continue
        paths[page.name] = path
    return paths, waiting


def _routed(path: str) -> bool:
    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return True


def table(visits: list[Visit]) -> str:
    rows = [
        "| page | consent state | hosts contacted | cookies and storage |",
        "| --- | --- | --- | --- |",
    ]
    for v in visits:
        hosts = ", ".join(sorted(v.hosts)) or "none"
        stored = ", ".join(sorted(v.stored)) or "none"
        rows.append(f"| {v.page} | {v.state} | {hosts} | {stored} |")
    return "\n".join(rows)
