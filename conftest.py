"""Fixtures shared by every app's tests."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PERSON_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _forget_published_policy_versions():
    """Each test's database starts empty; so must the per-process policy version memo."""
    from consent.services import _banner_text_pk, _form_texts
    from leadkeeper.ratelimit import _refused
    from register.selectors import _published

    _published.clear()
    _form_texts.clear()
    _refused.clear()
    yield
    _published.clear()
    _form_texts.clear()
    _refused.clear()
    _banner_text_pk.cache_clear()


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs the chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous, so Django's async-safety guard does not apply here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(request, chromium, live_server):
    """A fresh browser context whose every request to a host other than the live server is
    answered locally (never sent) and recorded in `page.third_party_requests`."""
    # A person's browser: headless Chromium announces itself as HeadlessChrome, which the
    # bot detector rightly drops from analytics.
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        # `@pytest.mark.headless_user_agent` keeps Chromium's own, for tests about bots.
        user_agent=None
        if request.node.get_closest_marker("headless_user_agent")
        else PERSON_USER_AGENT,
    )
    page = context.new_page()
    page.third_party_requests = []

    def route(route_request):
        url = route_request.request.url
        if url.startswith(live_server.url):
            return route_request.continue_()
        page.third_party_requests.append(url)
        body = "/* answered locally by the test */"
        content_type = (
            "application/javascript" if url.endswith(".js") or "gtag" in url else "text/plain"
        )
        return route_request.fulfill(status=200, body=body, content_type=content_type)

    context.route("**/*", route)
    in_flight: set = set()
    context.on("request", lambda r: r.url.startswith(live_server.url) and in_flight.add(r))
    context.on("requestfinished", lambda r: in_flight.discard(r))
    context.on("requestfailed", lambda r: in_flight.discard(r))
    yield page
    # Leaving the page fires the analytics beacon; let our server answer every request
    # before the test database is flushed under it.
    page.goto("about:blank")
    for _ in range(100):
        if not in_flight:
            break
        page.wait_for_timeout(20)
    context.close()


@pytest.fixture(autouse=True)
def _forget_rate_limit_tallies():
    """The collector's per-process tallies outlive a test's database rollback; reset them."""
    from leadkeeper.ratelimit import _tallies

    _tallies.clear()
    yield
    _tallies.clear()


@pytest.fixture
def one_rate_window():
    """Rate limits count in fixed windows (a minute): a flood test that straddled a window's
    end saw its count restart. Start the test at the beginning of a minute, clock running."""
    import time_machine
    from django.utils import timezone

    now = timezone.now()
    with time_machine.travel(now.replace(second=0, microsecond=0), tick=True):
        yield


@pytest.fixture
def screenshots_dir(tmp_path):
    """Where screenshot tests write: docs/ only when asked (LK_SCREENSHOTS_DIR=docs), so a test
    run never rewrites the committed pictures."""
    from pathlib import Path

    return Path(os.environ.get("LK_SCREENSHOTS_DIR") or tmp_path)
