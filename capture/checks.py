"""Wires the PersonalRecord check (subjects/checks.py) to the register, which capture reads."""

from django.core import checks

from register.loader import get_register
from subjects.checks import personal_record_errors


@checks.register()
def personal_records_match_register(app_configs: object = None, **kwargs: object) -> list:
    register = get_register()
    return personal_record_errors(
        categories={c.id for c in register.categories}, rules={r.id for r in register.retention}
    )
