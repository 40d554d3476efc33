"""Staff logins: lockout after repeated failures, TOTP for the DPO and superusers."""

import time

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _login(client, username: str, password: str = PASSWORD, ip: str = "203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _code(device: TOTPDevice) -> str:
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits).token()).zfill(6)


@pytest.fixture
def admin_user_2fa(settings):
    settings.STAFF_REQUIRE_2FA = True
    return User.objects.create_superuser("boss", password=PASSWORD)


def test_five_wrong_passwords_lock_the_account_from_that_address_with_a_clear_message(client):
    User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    for _ in range(5):
        assert _login(client, "sam", "wrong").status_code in (200, 429)

    locked = _login(client, "sam")  # even the right password is refused now

    assert locked.status_code == 429
    assert b"Login locked" in locked.content and b"axes_reset_username" in locked.content
    assert _login(client, "sam", ip="198.51.100.9").status_code == 302  # another address


def test_an_admin_unlocks_a_locked_account_with_a_command(client):
    User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    for _ in range(6):
        _login(client, "sam", "wrong")
    assert _login(client, "sam").status_code == 429

    call_command("axes_reset_username", "sam", verbosity=0)

    assert _login(client, "sam").status_code == 302


def test_a_superuser_enrols_totp_by_qr_code_on_first_login(client, admin_user_2fa):
    assert _login(client, "boss").status_code == 302

    to_enrol = client.get("/admin/")
    assert to_enrol.status_code == 302 and to_enrol["Location"].startswith("/staff/2fa/enrol/")
    page = client.get(to_enrol["Location"])
    assert b"<svg" in page.content and b"https://" not in page.content  # drawn inline
    device = TOTPDevice.objects.get(user=admin_user_2fa, confirmed=False)

    wrong = client.post("/staff/2fa/enrol/", {"token": "000000", "next": "/admin/"})
    assert b"not valid" in wrong.content
    with time_machine.travel(time.time() + 5):  # past the throttle a wrong code sets
        done = client.post("/staff/2fa/enrol/", {"token": _code(device), "next": "/admin/"})

        assert done.status_code == 302 and done["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_a_later_login_asks_for_a_code_and_cannot_enrol_another_device(client, admin_user_2fa):
    device = TOTPDevice.objects.create(user=admin_user_2fa, name="phone", confirmed=True)
    _login(client, "boss")

    assert client.get("/admin/capture/lead/")["Location"].startswith("/staff/2fa/?next=")
    assert client.get("/staff/2fa/enrol/")["Location"].startswith("/staff/2fa/")
    assert client.get("/desk/consent/").status_code == 302
    with time_machine.travel(time.time() + 60):
        assert client.post("/staff/2fa/", {"token": _code(device)}).status_code == 302
        assert client.get("/admin/").status_code == 200
        # Past the second factor, the lead list now asks why (audited reads), not for a code.
        assert client.get("/admin/capture/lead/")["Location"].startswith("/staff/read-reason/")
    assert TOTPDevice.objects.filter(user=admin_user_2fa).count() == 1


def test_the_dpo_group_needs_a_second_factor_and_sales_does_not(client, settings):
    settings.STAFF_REQUIRE_2FA = True
    dpo = User.objects.create_user("dora", password=PASSWORD, is_staff=True)
    dpo.groups.add(Group.objects.get(name="dpo"))
    sales = User.objects.create_user("sid", password=PASSWORD, is_staff=True)
    sales.groups.add(Group.objects.get(name="sales"))

    client.force_login(dpo)
    assert client.get("/admin/")["Location"].startswith("/staff/2fa/enrol/")
    client.force_login(sales)
    assert client.get("/admin/").status_code == 200


def test_public_pages_never_ask_for_a_second_factor(client, admin_user_2fa):
    client.force_login(admin_user_2fa)
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_staff_sessions_expire_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
