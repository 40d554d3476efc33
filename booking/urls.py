from django.urls import path

from . import views

app_name = "booking"
urlpatterns = [
    path("hooks/calcom/", views.calcom_webhook, name="calcom_webhook"),
]
