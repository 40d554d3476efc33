"""The access report is written in the language the request was made in (Art. 12(1))."""

import io
import json
import zipfile

import pytest

from leadkeeper.crypto import fernet
from rights.models import Export, RightsRequest

from .helpers import lead, run_steps, verified

pytestmark = pytest.mark.django_db


def _report(request: RightsRequest) -> tuple[str, dict]:
    export = Export.objects.get(request=request)
    archive = zipfile.ZipFile(io.BytesIO(fernet().decrypt(bytes(export.content))))
    return archive.read("report.html").decode(), json.loads(archive.read("data.json"))


def test_a_request_made_in_russian_gets_its_access_report_in_russian():
    lead()
    request = verified("access")
    RightsRequest.objects.filter(pk=request.pk).update(language="ru")
    run_steps(request)

    html, data = _report(request)

    assert '<html lang="ru">' in html and "Ваши персональные данные" in html
    assert "доступ (ст. 15)" in data["rights"] and "access (Art. 15)" not in data["rights"]
    assert data["source"].startswith("Эти данные вы сообщили сами")
    assert data["complaint"]["authority"].startswith("надзорный орган")  # the register's twin
    assert data["language"] == "ru" and "Ivan Petrov" in html


def test_a_request_made_in_english_gets_its_access_report_in_english():
    lead()
    request = verified("access")
    run_steps(request)

    html, data = _report(request)

    assert '<html lang="en">' in html and "Your personal data" in html
    assert "access (Art. 15)" in data["rights"] and data["language"] == "en"
