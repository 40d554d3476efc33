"""Content-Security-Policy from the register: our pages may reach only declared hosts.

Hosts of recipients that always apply are allowed on every page; hosts of a consent-gated
recipient (Google Analytics, Cal.com) only on responses to a visitor who granted that
category. Everything else is 'self'.
"""

from .loader import get_register


def allowed_hosts(granted: set[str]) -> list[str]:
    hosts: list[str] = []
    for recipient in get_register().recipients:
        if recipient.when == "always" or recipient.when in granted:
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
