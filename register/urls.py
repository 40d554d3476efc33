from django.urls import path

from . import views

app_name = "register"
urlpatterns = [
    path("privacy/", views.privacy_policy, name="policy"),
    path("privacy/v/<int:number>/", views.privacy_policy_version, name="policy_version"),
    path("desk/", views.desk, name="desk"),
    path("desk/records/", views.records, name="records"),
]
