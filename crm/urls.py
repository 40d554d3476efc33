from django.urls import path

from . import views

app_name = "crm"
urlpatterns = [
    path("hooks/kommo/<str:secret>/", views.kommo_webhook, name="kommo_webhook"),
]
