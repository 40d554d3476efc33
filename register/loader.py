"""Load and validate the register; everything else asks `get_register()`."""

import hashlib
import json
import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from pydantic import ValidationError

from .errors import RegisterInvalid
from .material import material_terms
from .schema import Register

DEFAULT_PATH = Path(__file__).resolve().parent / "register.toml"


def register_path() -> Path:
    return Path(getattr(settings, "REGISTER_PATH", None) or DEFAULT_PATH)


def load_register(path: Path) -> Register:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegisterInvalid(f"{path}: the register file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise RegisterInvalid(f"{path}: not valid TOML: {error}") from None
    try:
        return Register.model_validate(data)
    except ValidationError as error:
        raise RegisterInvalid(f"{path}: {_describe(error, data)}") from None


def _describe(error: ValidationError, data: dict) -> str:
    lines = []
    for problem in error.errors():
        location = problem["loc"]
        where = _entry_name(location, data)
        lines.append(f"{where}: {problem['msg']}")
    return "; ".join(lines)


def _entry_name(location: tuple, data: dict) -> str:
    """('purposes', 3, 'legal_basis') -> "purposes[3] 'statistics'.legal_basis"."""
    parts: list[str] = []
    node: object = data
    for step in location:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            label = node.get("id") or node.get("name") if isinstance(node, dict) else None
            parts[-1] += f"[{step}]" + (f" {label!r}" if label else "")
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(str(step))
    return ".".join(parts) or "register"


@cache
def _cached(path: Path, mtime_ns: int) -> tuple[Register, str]:
    register = load_register(path)
    canonical = json.dumps(register.model_dump(mode="json"), sort_keys=True).encode()
    return register, hashlib.sha256(canonical).hexdigest()


def get_register() -> Register:
    path = register_path()
    return _cached(path, path.stat().st_mtime_ns)[0]


def register_digest() -> str:
    """A digest of the register's content: the policy's version changes with it."""
    path = register_path()
    return _cached(path, path.stat().st_mtime_ns)[1]


def consent_digest(register: Register | None = None) -> str:
    """Digest of what a consent choice depends on; when it changes, earlier choices lapse.

    Only what GDPR Art. 7 / policy §4 make a choice depend on (register/material.py): the
    consent categories, the purposes resting on consent, the recipients, the periods and the
    cookies, without their prose. A wording fix publishes a new policy version without
    asking everyone again; a longer period asks again (issue 13).
    """
    register = register or get_register()
    relevant = material_terms(register)
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()
