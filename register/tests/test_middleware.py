"""Issue 15 items 8/9 and issue 14 item 4: the headers every response carries."""

import pytest

pytestmark = pytest.mark.django_db

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/admin/login/"),
        ("get", "/api/docs"),
        ("get", "/api/openapi.json"),
        ("get", "/no-such-page/"),
        ("get", "/static/ninja/swagger-ui.css"),
        ("post", "/api/v1/leads"),
        ("post", "/api/v1/collect"),
        ("post", "/hooks/calcom/"),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path):
    response = getattr(client, method)(path, content_type="application/json")
    for name, value in HEADERS.items():
        assert response.get(name) == value, (path, name)
    assert "camera=()" in response["Permissions-Policy"]


def test_the_public_api_docs_have_a_strict_csp_allowing_only_our_own_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "/static/ninja/swagger-ui-bundle.js" in response.content.decode()


def test_the_openapi_document_has_a_csp(client):
    assert "default-src" in client.get("/api/openapi.json")["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/api/v1/leads", "/api/v1/consent", "/contact/", "/admin/login/"])
def test_a_post_larger_than_the_limit_is_413_before_any_view_reads_it(client, settings, path):
    settings.MAX_REQUEST_BODY_BYTES = 1024
    response = client.post(path, b"x" * 2048, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_renders_under_its_csp_without_violations(browser_page):
    messages = []
    browser_page.on("console", lambda m: messages.append(m.text))
    browser_page.goto("/api/docs")
    browser_page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert "/api/v1/leads" in browser_page.inner_text(".swagger-ui")
    assert not [m for m in messages if "Content Security Policy" in m], messages
    assert browser_page.third_party_requests == []


def test_the_collectors_413_above_every_posts_limit_matches_its_documented_schema(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1024
    response = client.post("/api/v1/collect", b"x" * 2048, content_type="text/plain")
    assert response.status_code == 413
    spec = client.get("/api/openapi.json").json()
    schema_ref = spec["paths"]["/api/v1/collect"]["post"]["responses"]["413"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    properties = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    assert set(response.json()) <= set(properties)
