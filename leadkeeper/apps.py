from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LeadkeeperConfig(AppConfig):
    name = "leadkeeper"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="leadkeeper.roles")
