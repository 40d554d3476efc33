"""Where staff land and what their navigation offers: one answer per role (leadkeeper.roles).

Marketing works in /reports/, the DPO in /desk/, sales in the leads; the navigation bar in the
admin, the desk and the reports shows only what the signed-in role may open.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import is_dpo


@dataclass(frozen=True)
class StaffLink:
    key: str
    label: str | Promise
    url: str


_LINKS: tuple[tuple[StaffLink, Callable[[object], bool]], ...] = (
    (
        StaffLink("leads", _("Leads"), "/admin/capture/lead/"),
        lambda u: u.has_perm("capture.view_lead"),
    ),
    (StaffLink("desk", _("DPO desk"), "/desk/"), is_dpo),
    (
        StaffLink("reports", _("Reports"), "/reports/"),
        lambda u: u.has_perm("analytics.view_reports"),
    ),
    (
        StaffLink("admin", _("Administration"), "/admin/"),
        lambda u: u.is_superuser or u.groups.filter(name__in=("sales", "dpo")).exists(),
    ),
)


def staff_links(user: object) -> list[StaffLink]:
    """What this user may open, in the order the navigation shows it."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    return [link for link, allowed in _LINKS if allowed(user)]


def landing_url(user: object) -> str:
    """The page a role works in: DPO the desk, marketing the reports, sales the leads."""
    if getattr(user, "is_superuser", False):
        return "/admin/"
    keys = {link.key: link.url for link in staff_links(user)}
    for key in ("desk", "reports", "leads", "admin"):
        if key in keys:
            return keys[key]
    return "/admin/"


def staff_nav(request: HttpRequest) -> dict:
    """Context processor: the links of the staff navigation bar, on staff pages only."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"staff_links": staff_links(user)}


def role_required(test: Callable[[object], bool]) -> Callable:
    """Signed out: to the login. Signed in without the role: our 403 page, which shows the
    pages the role may open, instead of a silent bounce to a login form."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not test(request.user):
                raise PermissionDenied("this page belongs to another staff role")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class StaffLoginView(LoginView):
    """The admin's login form, landing each role on its own page unless `next` says else."""

    template_name = "admin/login.html"
    authentication_form = AdminAuthenticationForm

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        context.update(title=_("Log in"), app_path=self.request.get_full_path())
        return context


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(landing_url(request.user))
