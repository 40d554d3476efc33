"""Enrol a TOTP device (QR code, drawn as inline SVG here: the CSP allows no other host)
and verify a token after the password."""

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator app"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/admin/"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a staff login."""
    if not user_has_device(request.user):
        return HttpResponseRedirect(f"{reverse('staff-2fa-enrol')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", "That code is not valid; codes change every 30 seconds.")
    return render(
        request, "leadkeeper/staff_2fa_verify.html", {"form": form, "next": _next_url(request)}
    )


def _pending_device(user: object) -> TOTPDevice:
    """The user's unconfirmed device, created once so a reload shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Show a QR code for a new TOTP secret; confirm it with a first code.

    Only for a user without a confirmed device: whoever knows a password must not be able
    to add a second authenticator and so bypass the first.
    """
    if user_has_device(request.user):
        return HttpResponseRedirect(f"{reverse('staff-2fa-verify')}?next={_next_url(request)}")
    device = _pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", "That code is not valid; scan the code again and retry.")
    qr_svg = mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4))  # noqa: S308
    context = {
        "form": form,
        "qr_svg": qr_svg,
        "secret": base64.b32encode(device.bin_key).decode(),  # for typing in by hand
        "next": _next_url(request),
    }
    return render(request, "leadkeeper/staff_2fa_enrol.html", context)
