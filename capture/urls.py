from django.urls import path

from . import views

app_name = "capture"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("contact/", views.contact, name="contact"),
    path("thanks/", views.thanks, name="thanks"),
]
