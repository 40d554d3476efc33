from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [path("desk/retention/", views.desk, name="desk")]
