from django.urls import path

from . import desk_views, views

app_name = "rights"
urlpatterns = [
    path("rights/", views.intake, name="intake"),
    path("rights/verify/<str:token>/", views.verify, name="verify"),
    path("rights/download/<str:token>/", views.download, name="download"),
    path("desk/rights/", desk_views.desk, name="desk"),
    path("desk/rights/<int:pk>/", desk_views.detail, name="desk_detail"),
    path("desk/rights/<int:pk>/act/", desk_views.act, name="desk_act"),
]
