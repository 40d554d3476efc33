"""Content-Security-Policy from the register: our pages may reach only declared hosts.

Every host a recipient in the register declares is allowed, and nothing else ('self'). The
hosts of consent-gated recipients (Google Analytics, Cal.com) are allowed before consent too,
so the banner can load what a choice allows in place, without a reload that would empty a
half-typed contact form; whether their scripts load is decided by consent (consent app),
and a host the register does not declare stays unreachable.
"""

from .loader import get_register


def allowed_hosts(granted: set[str], *, include_gated: bool = True) -> list[str]:
    hosts: list[str] = []
    for recipient in get_register().recipients:
        if recipient.when == "always" or recipient.when in granted or include_gated:
            hosts.extend(f"https://{h}" for h in recipient.hosts)
    return sorted(set(hosts))


def csp_header(*, nonce: str, granted: set[str]) -> str:
    hosts = " ".join(allowed_hosts(granted))
    extra = f" {hosts}" if hosts else ""
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'{extra}",
        "style-src 'self'",
        f"img-src 'self' data:{extra}",
        f"connect-src 'self'{extra}",
        f"frame-src 'self'{extra}",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)
