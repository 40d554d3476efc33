"""Code may store only what the register declares (DESIGN: the one truth).

The check is the PersonalRecord contract, so it lives here; the vocabulary it checks
against (the register's categories and retention rules) is passed in by the app that reads
the register, because subjects sits below the register in the layers.
"""

from django.core import checks

from .selectors import personal_record_models


def personal_record_errors(*, categories: set[str], rules: set[str]) -> list[checks.Error]:
    """Errors for every PersonalRecord whose rule or field categories the register lacks."""
    errors = []
    for model in personal_record_models():
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
