"""Reads about the person."""

from django.apps import apps

from .models import PersonalRecord


def personal_record_models() -> list[type[PersonalRecord]]:
    """Every installed table that holds personal data (the concrete PersonalRecord subclasses).

    Found from the app registry, so a new app's table is covered without a list to keep.
    """
    return [model for model in apps.get_models() if issubclass(model, PersonalRecord)]
