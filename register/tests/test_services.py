"""Publishing the policy version is an explicit write: after migrate, or when asked."""

import pytest
from django.core.management import call_command

from register.loader import DEFAULT_PATH, register_digest
from register.models import PolicyVersion
from register.services import publish_after_migrate, publish_policy_version

pytestmark = pytest.mark.django_db


def test_migrating_publishes_the_register_on_disk():
    # The test database was built by `migrate`; its post_migrate published version 1.
    version = PolicyVersion.objects.get(digest=register_digest())
    assert version.number == 1


def test_publishing_an_unchanged_register_again_adds_no_version():
    first = publish_policy_version()
    assert publish_policy_version() == first
    publish_after_migrate(using="default")
    assert PolicyVersion.objects.count() == 1


def test_a_changed_register_is_published_after_the_next_migrate(settings, tmp_path):
    changed = tmp_path / "register.toml"
    changed.write_text(DEFAULT_PATH.read_text().replace("months = 14", "months = 13"))
    settings.REGISTER_PATH = str(changed)
    assert not PolicyVersion.objects.filter(digest=register_digest()).exists()

    call_command("migrate", verbosity=0)

    assert PolicyVersion.objects.get(digest=register_digest()).number == 2
