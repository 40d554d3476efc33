from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .api import api
from .health import healthz
from .staff import StaffLoginView, staff_home

handler500 = "leadkeeper.dbguard.server_error"

admin.site.site_header = _("leadkeeper back office")
admin.site.site_title = "leadkeeper"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own: after sign-in each role lands where it works.
    path("admin/login/", StaffLoginView.as_view(), name="staff_login"),
    path("staff/", staff_home, name="staff_home"),
    path("admin/", admin.site.urls),
    path("staff/2fa/", include("leadkeeper.staff_urls")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("audit.urls")),
    path("", include("register.urls")),
    path("", include("capture.urls")),
    path("", include("consent.urls")),
    path("", include("booking.urls")),
    path("", include("analytics.urls")),
    path("", include("crm.urls")),
    path("", include("rights.urls")),
    path("", include("retention.urls")),
]
