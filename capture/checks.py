"""A system check: code may store only what the register declares (DESIGN: the one truth)."""

from django.apps import apps
from django.core import checks

from register.loader import get_register


@checks.register()
def personal_records_match_register(app_configs: object = None, **kwargs: object) -> list:
    from .models import PersonalRecord

    register = get_register()
    categories = {c.id for c in register.categories}
    rules = {r.id for r in register.retention}
    errors = []
    for model in apps.get_models():
        if not issubclass(model, PersonalRecord):
            continue
        label = model._meta.label
        if model.retention_rule not in rules:
            errors.append(
                checks.Error(
                    f"{label}.retention_rule {model.retention_rule!r} is not a retention rule "
                    "in the register",
                    id="register.E001",
                )
            )
        field_names = {f.name for f in model._meta.get_fields()}
        for field, category in model.register_fields.items():
            if category not in categories:
                errors.append(
                    checks.Error(
                        f"{label}.{field} stores category {category!r}, which the register "
                        "does not declare",
                        id="register.E002",
                    )
                )
            if field not in field_names:
                errors.append(
                    checks.Error(
                        f"{label}.register_fields names no field {field!r}", id="register.E003"
                    )
                )
    return errors
