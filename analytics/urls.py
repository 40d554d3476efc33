from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:table>.csv", views.export_csv, name="export_csv"),
]
