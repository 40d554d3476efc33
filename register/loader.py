"""Load and validate the register; everything else asks `get_register()`."""

import hashlib
import json
import os
import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from pydantic import ValidationError

from .errors import RegisterInvalid
from .material import material_terms
from .schema import Register

DEFAULT_PATH = Path(__file__).resolve().parent / "register.toml"
_DEFAULT = str(DEFAULT_PATH)


def _path() -> str:
    return getattr(settings, "REGISTER_PATH", None) or _DEFAULT


def register_path() -> Path:
    return Path(_path())


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
def _cached(path: str, mtime_ns: int) -> tuple[Register, str]:
    register = load_register(Path(path))
    canonical = json.dumps(register.model_dump(mode="json"), sort_keys=True).encode()
    return register, hashlib.sha256(canonical).hexdigest()


def _current() -> tuple[Register, str]:
    # Asked several times a request (the CSP, the consent cookie, the policy version); a
    # stat of the file notices an edit, and no Path is built until one (issue 9).
    path = _path()
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise RegisterInvalid(f"{path}: the register file does not exist") from None
    return _cached(path, mtime_ns)


def get_register() -> Register:
    return _current()[0]


def register_digest() -> str:
    """A digest of the register's content: the policy's version changes with it."""
    return _current()[1]


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
