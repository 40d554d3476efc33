from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("privacy/consent/", views.preferences, name="preferences"),
    path("desk/consent/", views.desk, name="desk"),
]
