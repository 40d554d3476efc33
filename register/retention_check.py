"""Every stored category runs on a clock (policy §5, Art. 5(1)(e)): a check E's linter calls.

A rule without a clock is a period that never starts, so data of its categories would be
kept for ever. `manage.py register check` fails on it; the linter of `register check` can
call `clockless_retention_problems()` as one more pass.
"""

from collections.abc import Mapping

from django.apps import apps

from subjects.selectors import personal_record_models

from .schema import Register


def clockless_retention_problems(register: Register) -> list[str]:
    """One line per stored category, or covered table, whose retention rule has no clock."""
    rules = {rule.id: rule for rule in register.retention}
    category_rule = {category.id: category.retention for category in register.categories}
    problems = []
    for model in personal_record_models():
        for field, category in sorted(model.register_fields.items()):
            rule = rules.get(category_rule.get(category, ""))
            if rule is not None and rule.clock is None:
                problems.append(
                    f"{model._meta.label}.{field} stores category {category!r}, whose retention "
                    f"rule {rule.id!r} has no clock"
                )
        rule = rules.get(model.retention_rule)
        if rule is not None and rule.clock is None:
            problems.append(
                f"{model._meta.label} follows retention rule {rule.id!r}, which has no clock"
            )
    problems += _covered_table_problems(register, category_rule)
    for rule in register.retention:
        for table in rule.tables:
            label, _, clock_field = table.partition(":")
            if rule.clock is None or not clock_field:
                problems.append(f"retention rule {rule.id!r} covers {label} without a clock")
            elif _installed(label) and clock_field not in _field_names(label):
                problems.append(f"retention rule {rule.id!r}: {label} has no field {clock_field!r}")
    return problems


def _installed(label: str) -> bool:
    app_label, _, model = label.partition(".")
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def _field_names(label: str) -> set[str]:
    return {field.name for field in apps.get_model(label)._meta.get_fields()}


def _covered_table_problems(register: Register, category_rule: dict[str, str]) -> list[str]:
    """A table outside PersonalRecord that stores a category (e.g. crm.KommoInbox's raw hook
    bodies) needs a rule that names it in `tables`, with a clock."""
    covering = {
        table.partition(":")[0].lower(): rule
        for rule in register.retention
        for table in rule.tables
    }
    records = set(personal_record_models())
    problems = []
    for model in apps.get_models():
        fields = getattr(model, "register_fields", None)
        if model in records or not isinstance(fields, Mapping) or not fields:
            continue
        rule = covering.get(model._meta.label_lower)
        for field, category in sorted(fields.items()):
            if rule is None:
                problems.append(
                    f"{model._meta.label}.{field} stores category {category!r}, but no retention "
                    "rule covers the table (name it in a rule's `tables`)"
                )
            elif rule.clock is None:
                problems.append(
                    f"{model._meta.label}.{field} stores category {category!r}, whose retention "
                    f"rule {rule.id!r} has no clock"
                )
    return problems
