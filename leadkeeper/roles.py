"""Staff roles and what each may see. Marketing sees aggregates only, never a person.

Groups are created by migration (leadkeeper 0002); their permissions are (re)applied after
every migrate, so an app added later extends a role by adding its codename here.
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "sales": [
        "capture.view_lead",
        "capture.change_lead",
        "consent.view_consentrecord",
        "crm.view_outboxmessage",
        "crm.change_outboxmessage",  # the "retry now" action on dead letters
        "crm.view_kommostate",
        "crm.change_kommostate",  # "resume Kommo delivery" after a 401/403 pause
        "crm.view_kommoevent",
        "booking.view_booking",
    ],
    "marketing": ["analytics.view_reports"],
    "dpo": [
        "capture.view_lead",
        "subjects.view_subject",
        "subjects.change_subject",
        "consent.view_consentrecord",
        "consent.view_consenttext",
        "consent.view_withdrawalrequest",
        "consent.change_withdrawalrequest",
        "consent.view_analyticsclientid",
        "booking.view_booking",
        "audit.view_auditevent",
        "crm.view_outboxmessage",
        "crm.view_kommostate",
        "crm.view_kommoevent",
        "register.view_policyversion",
        "analytics.view_reports",
        "rights.view_rightsrequest",
        "rights.handle_rightsrequest",
        "rights.view_step",
        "retention.view_retentionrun",
        "retention.view_recipientaction",
        "retention.view_legalhold",
        "retention.add_legalhold",
        "retention.change_legalhold",
    ],
}


def sync_role_permissions(**kwargs: object) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)


def is_dpo(user: object) -> bool:
    """The DPO desk is for the "dpo" group and superusers."""
    if not getattr(user, "is_active", False):
        return False
    return user.is_superuser or user.groups.filter(name="dpo").exists()
