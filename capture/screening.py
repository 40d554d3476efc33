"""Bot defences for leads sent as JSON (issue 15): the HTML form's, applied to the API too.

Turnstile applies to every API lead once it is configured; the honeypot (`website`) and the
minimum fill time (`rendered_at`, signed when the page was rendered) apply when the lead
comes from a page of this site, whose form carries both. Partner landings cannot sign a
render time, so they rely on Turnstile and the rate limit.
"""

import logging

from django.utils.translation import gettext as _

from leadkeeper.context import RequestContext

from .errors import LeadRejected
from .forms import WebLeadForm
from .services import check_turnstile

logger = logging.getLogger(__name__)


def screen_api_lead(
    *, traps: dict[str, str], turnstile_token: str, context: RequestContext, own_site: bool
) -> None:
    """Raise LeadRejected when the lead looks automated or fails Turnstile."""
    if own_site and WebLeadForm(data=traps).looks_automated():
        logger.info("capture.lead.bot_trap", extra={"channel": "api"})
        raise LeadRejected(
            {
                "__all__": [
                    _(
                        "The form was sent incomplete or too fast. Reload the page and send it again."
                    )
                ]
            }
        )
    if not check_turnstile(token=turnstile_token, context=context):
        raise LeadRejected(
            {"turnstile_token": [_("Please complete the anti-spam check and send the form again.")]}
        )
