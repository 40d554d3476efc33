from django.contrib import admin
from django.urls import include, path

from .api import api
from .health import healthz

handler500 = "leadkeeper.middleware.server_error"

admin.site.site_header = "leadkeeper back office"
admin.site.site_title = "leadkeeper"

urlpatterns = [
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
]
