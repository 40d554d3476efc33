"""The DPO resolves possible duplicates from the Subject admin; nobody else can."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from audit.models import AuditEvent
from audit.tests.factories import give_read_reason
from subjects.models import Subject
from subjects.services import subject_for

pytestmark = pytest.mark.django_db

URL = "/admin/subjects/subject/"


@pytest.fixture
def pair() -> tuple[Subject, Subject]:
    first = subject_for(phone="+79161234567", email="ivan.petrov@example.com")
    second = subject_for(phone="+79031112233", email="ivan.petrov@example.com")
    return first, second


def _staff(client, name: str, *, dpo: bool):
    user = User.objects.create_user(name, password=f"pw-{name}-123", is_staff=True)
    if dpo:
        user.groups.add(Group.objects.get(name="dpo"))
    else:  # may see and edit subjects, but is not the DPO
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="subjects", codename__in=["view_subject", "change_subject"]
            )
        )
    client.force_login(user)
    give_read_reason(client)  # the subject list is an audited read (audit/reads.py)
    return user


def test_the_dpo_merges_two_selected_subjects_into_the_older(client, pair):
    user = _staff(client, "dora", dpo=True)
    first, second = pair
    assert "possible duplicate" in client.get(URL).content.decode().lower()
    response = client.post(
        URL, {"action": "merge_two", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert f"Subject {second.pk} merged into subject {first.pk}" in response.content.decode()
    assert list(Subject.objects.values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.get(action="subject.merged").actor == f"staff:{user.pk}"


def test_merging_needs_exactly_two_subjects(client, pair):
    _staff(client, "dora", dpo=True)
    response = client.post(
        URL, {"action": "merge_two", "_selected_action": [pair[0].pk]}, follow=True
    )
    assert "Select exactly two subjects" in response.content.decode()
    assert Subject.objects.count() == 2


def test_the_dpo_keeps_a_possible_duplicate_apart(client, pair):
    _staff(client, "dora", dpo=True)
    client.post(URL, {"action": "keep_apart", "_selected_action": [pair[1].pk]})
    pair[1].refresh_from_db()
    assert pair[1].possible_duplicate_of_id is None
    assert AuditEvent.objects.filter(action="subject.kept_apart").count() == 1


def test_staff_who_are_not_the_dpo_can_neither_merge_nor_keep_apart(client, pair):
    _staff(client, "sam", dpo=False)
    page = client.get(URL).content.decode()
    assert "merge_two" not in page and "keep_apart" not in page
    for action in ("merge_two", "keep_apart"):
        client.post(URL, {"action": action, "_selected_action": [p.pk for p in pair]})
    # Only the audited reads of the list page: no merge, no keep-apart.
    assert Subject.objects.count() == 2
    assert not AuditEvent.objects.exclude(action="personal_data.viewed").exists()
    pair[1].refresh_from_db()
    assert pair[1].possible_duplicate_of_id == pair[0].pk
