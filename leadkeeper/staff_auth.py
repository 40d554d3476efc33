"""Staff logins: a second factor (TOTP) for those who can read every person's data.

The DPO group and superusers must pass a TOTP check after the password before any staff
page answers (Art. 32: access control proportionate to the risk; OWASP ASVS 2.7/2.8).
Password guessing is stopped by django-axes (settings: AXES_*). A staff user without a
confirmed device is sent to enrol one, so the first superuser created by `ensure_staff`
sets up an authenticator on first login instead of being locked out.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

# Pages that show or change personal data; everything public stays untouched.
STAFF_PREFIXES = ("/admin/", "/desk/", "/reports/", "/staff/")
# Reachable between the password and the second factor.
OPEN_PATHS = ("/admin/login/", "/admin/logout/", "/staff/2fa/")


def requires_second_factor(user: object) -> bool:
    if not settings.STAFF_REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.groups.filter(name="dpo").exists()


def second_factor_url(request: HttpRequest) -> str:
    """Where this user goes next: verify a token, or enrol a first device."""
    name = "staff-2fa-verify" if user_has_device(request.user) else "staff-2fa-enrol"
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"


class RequireSecondFactorMiddleware:
    """After django_otp's OTPMiddleware: staff pages wait for a verified device."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            path.startswith(STAFF_PREFIXES)
            and not path.startswith(OPEN_PATHS)
            and requires_second_factor(request.user)
            and not request.user.is_verified()
        ):
            return HttpResponseRedirect(second_factor_url(request))
        return self.get_response(request)
