from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("staff/read-reason/", views.reason, name="read-reason"),
    path("desk/audit/", views.subject_trail, name="subject-trail"),
]
