import pytest

from rights.models import RightsRequest

pytestmark = pytest.mark.django_db


def test_the_rights_page_lists_every_right_in_english(client):
    page = client.get("/rights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your data rights" in page and 'value="portability"' in page


def test_the_rights_page_speaks_russian(client):
    page = client.get("/rights/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ваши права на данные" in page and "Отправить запрос" in page
    assert "Доступ: копия ваших данных" in page and "Access:" not in page


def test_the_page_form_answers_the_same_for_everyone(client):
    response = client.post("/rights/", {"right": "access", "email": "x@example.org"})
    assert response.status_code == 202 and "R-" in response.content.decode()
    assert RightsRequest.objects.get().channel == "web"


def test_the_page_form_keeps_what_was_typed_and_names_the_problem(client):
    response = client.post("/rights/", {"right": "access", "details": "please"})
    page = response.content.decode()
    assert response.status_code == 422 and "email address or a phone number" in page
    assert "please" in page and RightsRequest.objects.count() == 0
