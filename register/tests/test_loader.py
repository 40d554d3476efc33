from pathlib import Path

import pytest

from register.errors import RegisterInvalid
from register.loader import DEFAULT_PATH, get_register, load_register
from register.schema import Register


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PATH.read_text()
    assert old in text, f"fixture text {old!r} is not in the register"
    path = tmp_path / "register.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_shipped_register_is_valid_and_covers_the_policy():
    register = load_register(DEFAULT_PATH)
    assert {r.id for r in register.recipients} == {
        "kommo",
        "cloudflare",
        "google_analytics",
        "calcom",
    }
    assert {(r.id, r.months) for r in register.retention} >= {
        ("contact", 36),
        ("analytics", 14),
        ("contract", 60),
    }
    # Our own proof and plumbing fall under a rule too (accountability, Art. 5(2)).
    assert {r.id for r in register.retention} >= {
        "consent_proof",
        "rights_requests",
        "audit",
        "operational",
    }
    assert all(r.clock and r.basis for r in register.retention)
    assert {b.article for b in register.legal_bases} >= {"6(1)(a)", "6(1)(b)", "6(1)(f)"}
    assert register.controller.privacy_email == "privacy@kommoexpert.ru"


def test_a_typo_in_a_legal_basis_names_the_entry(tmp_path):
    path = _broken(
        tmp_path, 'legal_basis = "legitimate_interests"', 'legal_basis = "legitimate_interest"'
    )
    with pytest.raises(RegisterInvalid) as error:
        load_register(path)
    message = str(error.value)
    assert str(path) in message
    assert "purposes 'campaign_analysis'" in message and "legitimate_interest" in message


def test_a_wrong_type_names_file_entry_and_field(tmp_path):
    path = _broken(tmp_path, "months = 14", 'months = "fourteen"')
    with pytest.raises(RegisterInvalid) as error:
        load_register(path)
    assert "retention[1] 'analytics'.months" in str(error.value)


def test_an_unknown_field_is_refused(tmp_path):
    path = _broken(tmp_path, 'id = "kommo"', 'id = "kommo"\nhost = "x"')
    with pytest.raises(RegisterInvalid, match=r"recipients\[0\] 'kommo'.host"):
        load_register(path)


def test_a_recipient_sharing_an_undeclared_category_is_refused(tmp_path):
    path = _broken(tmp_path, 'shares = ["name", "email"]', 'shares = ["name", "passport"]')
    with pytest.raises(RegisterInvalid, match="recipients 'calcom': shares 'passport'"):
        load_register(path)


def test_invalid_toml_says_so(tmp_path):
    path = tmp_path / "register.toml"
    path.write_text("[policy\n")
    with pytest.raises(RegisterInvalid, match="not valid TOML"):
        load_register(path)


def test_the_process_refuses_to_start_with_a_broken_register(tmp_path):
    import subprocess
    import sys

    path = _broken(tmp_path, "months = 36", "months = -1")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "leadkeeper.settings_test",
            "REGISTER_PATH": str(path),
        },
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start" in result.stderr and "retention[0] 'contact'.months" in result.stderr


def _missing_twins(entry, where: str) -> list[str]:
    missing = []
    for name in type(entry).translated_fields("ru"):
        if getattr(entry, name) and not getattr(entry, f"{name}_ru"):
            missing.append(f"{where}.{name}_ru")
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if hasattr(item, "translated_fields"):
                    missing += _missing_twins(item, f"{where}.{name}[{i}]")
        elif hasattr(value, "translated_fields"):
            missing += _missing_twins(value, f"{where}.{name}")
    return missing


def test_every_prose_field_of_the_register_has_its_russian_twin():
    assert _missing_twins(get_register(), "register") == []


def test_the_register_localized_to_russian_reads_russian_and_keeps_proper_names():
    ru = get_register().localized("ru")
    assert ru.policy.title == "Политика конфиденциальности"
    assert {r.name for r in ru.recipients} >= {"Kommo CRM (amoCRM)", "Cal.com"}
    assert get_register().localized("en") == get_register()
    assert isinstance(ru, Register)
