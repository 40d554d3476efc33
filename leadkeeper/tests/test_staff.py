"""Each role lands where it works and sees one navigation bar with what it may open."""

import pytest
from django.contrib.auth.models import Group, User

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only-1"


def _staff(role: str | None, *, superuser: bool = False) -> User:
    user = User.objects.create_user(
        role or "boss", password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize(
    ("role", "landing"),
    [("marketing", "/reports/"), ("dpo", "/desk/"), ("sales", "/admin/capture/lead/")],
)
def test_after_sign_in_each_role_lands_where_it_works(client, role, landing):
    user = _staff(role)
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get("/staff/")["Location"] == landing  # LOGIN_REDIRECT_URL picks the same


def test_a_next_address_still_wins_over_the_role_landing(client):
    user = _staff("marketing")
    response = client.post(
        "/admin/login/?next=/reports/%3Fby%3Dcampaign",
        {"username": user.username, "password": PASSWORD, "next": "/reports/?by=campaign"},
    )
    assert response["Location"] == "/reports/?by=campaign"


def test_the_navigation_shows_what_the_role_may_open(client):
    client.force_login(_staff("marketing"))
    html = client.get("/reports/").content.decode()
    nav = html[html.index('class="staff-nav"') : html.index("</nav>")]
    assert 'href="/reports/"' in nav
    assert 'href="/desk/"' not in nav and "/admin/capture/lead/" not in nav


def test_the_admin_carries_the_same_navigation_bar(client):
    client.force_login(_staff("dpo"))
    html = client.get("/admin/").content.decode()
    nav = html[html.index('class="staff-nav"') : html.index("</nav>")]
    for href in ("/admin/capture/lead/", "/desk/", "/reports/", "/admin/"):
        assert f'href="{href}"' in nav


def test_a_marketer_opening_the_desk_is_told_so_and_shown_the_way_to_the_reports(client):
    client.force_login(_staff("marketing"))
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Доступ закрыт" in html and 'href="/reports/"' in html


def test_signed_out_the_desk_still_asks_for_a_login(client):
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
