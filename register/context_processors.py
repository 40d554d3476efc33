from django.http import HttpRequest

from .loader import get_register


def register(request: HttpRequest) -> dict:
    return {"register": get_register(), "csp_nonce": getattr(request, "csp_nonce", "")}
