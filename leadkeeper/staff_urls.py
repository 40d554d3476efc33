from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.verify, name="staff-2fa-verify"),
    path("enrol/", staff_views.enrol, name="staff-2fa-enrol"),
]
