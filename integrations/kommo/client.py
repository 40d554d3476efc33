"""A thin typed client for the part of Kommo's API v4 we use (STYLE §5).

Every call has a timeout, takes and returns typed payloads, and turns any failure into a
KommoError subclass. Pacing under Kommo's 7 requests/s is the caller's job (crm.pacing):
this client makes exactly one HTTP request per method call, so callers can count them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from .errors import KommoError, from_response, from_transport
from .patches import EntityPatch, Updated
from .payloads import (
    MAX_LEADS_PER_REQUEST,
    CreatedLead,
    FormMetadata,
    KommoAccount,
    KommoContact,
    KommoLead,
    LeadIn,
    LeadsPage,
)

# developers.kommo.com/reference/complex-leads
LEADS_COMPLEX = "/api/v4/leads/complex"
# developers.kommo.com/reference/incoming-leads (Add incoming leads from the type form)
UNSORTED_FORMS = "/api/v4/leads/unsorted/forms"
# developers.kommo.com/reference/leads-list
LEADS = "/api/v4/leads"
# developers.kommo.com/reference/contacts-list
CONTACTS = "/api/v4/contacts"
# developers.kommo.com/reference/account-parameters
ACCOUNT = "/api/v4/account"

PAGE_LIMIT = 250  # Kommo's maximum page size for lists
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class KommoClient:
    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
                "User-Agent": "leadkeeper/0.1 (+kommo integration)",
            },
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> KommoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- transport -----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        endpoint: str,
        *,
        before_send: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        # The body is encoded before `before_send` (the caller's wait for its rate-limit
        # slot), so that when the slot comes only the socket write is left to do.
        request = self._http.build_request(method, endpoint, **kwargs)
        if before_send is not None:
            before_send()
        try:
            response = self._http.send(request)
        except httpx.TransportError as error:
            raise from_transport(error, endpoint=endpoint) from error
        if response.status_code == 204:  # Kommo answers an empty list with 204 No Content
            return None
        if not response.is_success:
            raise from_response(response, endpoint=endpoint)
        try:
            return response.json()
        except ValueError as error:
            raise KommoError(
                f"Kommo {endpoint} answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
            ) from error

    # --- writes --------------------------------------------------------------------------

    def create_leads_complex(
        self, leads: Sequence[LeadIn], *, before_send: Callable[[], None] | None = None
    ) -> list[CreatedLead]:
        """Create up to 50 leads, each with its one contact, in one request."""
        _check_batch(leads)
        body = self._request(
            "POST",
            LEADS_COMPLEX,
            json=[lead.to_complex() for lead in leads],
            before_send=before_send,
        )
        return CreatedLead.from_complex(body)

    def create_unsorted_forms(
        self,
        items: Sequence[tuple[LeadIn, FormMetadata]],
        *,
        source_uid: str,
        source_name: str,
        before_send: Callable[[], None] | None = None,
    ) -> list[CreatedLead]:
        """Put up to 50 leads into Incoming leads, with the form they came from."""
        _check_batch(items)
        payload = [
            lead.to_unsorted(source_uid=source_uid, source_name=source_name, metadata=meta)
            for lead, meta in items
        ]
        body = self._request("POST", UNSORTED_FORMS, json=payload, before_send=before_send)
        return CreatedLead.from_unsorted(body)

    def update(
        self,
        entity: str,
        patches: Sequence[EntityPatch],
        *,
        before_send: Callable[[], None] | None = None,
    ) -> list[Updated]:
        """PATCH contacts or leads (developers.kommo.com/reference/edit-contacts, edit-leads).

        Idempotent: the same patch sent twice leaves the same record (tags are a set).
        """
        if entity not in ("contacts", "leads"):
            raise ValueError(f"Kommo has no PATCH for {entity!r}")
        _check_batch(patches)
        endpoint = CONTACTS if entity == "contacts" else LEADS
        body = self._request(
            "PATCH", endpoint, json=[p.to_kommo() for p in patches], before_send=before_send
        )
        return Updated.list_from_api(body, entity=entity)

    # --- reads ---------------------------------------------------------------------------

    def _leads_page(
        self, params: dict[str, Any], before_send: Callable[[], None] | None = None
    ) -> LeadsPage:
        body = self._request(
            "GET", LEADS, params={"with": "contacts", **params}, before_send=before_send
        )
        return LeadsPage.from_api(body, limit=int(params.get("limit", PAGE_LIMIT)))

    def search_leads(
        self, query: str, *, before_send: Callable[[], None] | None = None
    ) -> list[KommoLead]:
        """Kommo's full-text search over filled fields; callers match exactly themselves."""
        page = self._leads_page({"query": query, "limit": PAGE_LIMIT}, before_send)
        return list(page.leads)

    def leads_created_since(
        self, timestamp: int, *, page: int = 1, before_send: Callable[[], None] | None = None
    ) -> LeadsPage:
        params = {
            "filter[created_at][from]": int(timestamp),
            "order[created_at]": "asc",
            "limit": PAGE_LIMIT,
            "page": page,
        }
        return self._leads_page(params, before_send)

    def leads_updated_since(
        self, timestamp: int, *, page: int = 1, before_send: Callable[[], None] | None = None
    ) -> LeadsPage:
        params = {
            "filter[updated_at][from]": int(timestamp),
            "order[updated_at]": "asc",
            "limit": PAGE_LIMIT,
            "page": page,
        }
        return self._leads_page(params, before_send)

    def find_contacts(
        self, query: str, *, before_send: Callable[[], None] | None = None
    ) -> list[KommoContact]:
        """Contacts whose filled fields match `query` (Kommo's full-text search: any field)."""
        body = self._request(
            "GET",
            CONTACTS,
            params={"query": query, "limit": PAGE_LIMIT},
            before_send=before_send,
        )
        return KommoContact.list_from_api(body)

    def get_lead(
        self, lead_id: int, *, before_send: Callable[[], None] | None = None
    ) -> KommoLead | None:
        """One lead by id, as Kommo holds it now (developers.kommo.com/reference/get-lead)."""
        body = self._request(
            "GET", f"{LEADS}/{int(lead_id)}", params={"with": "contacts"}, before_send=before_send
        )
        return KommoLead.from_api(body) if body else None

    def get_contact(
        self, contact_id: int, *, before_send: Callable[[], None] | None = None
    ) -> KommoContact | None:
        """One contact by id (developers.kommo.com/reference/get-contact)."""
        body = self._request("GET", f"{CONTACTS}/{int(contact_id)}", before_send=before_send)
        return KommoContact.from_api(body) if body else None

    def account(self, *, before_send: Callable[[], None] | None = None) -> KommoAccount:
        """The account the token belongs to: its id and subdomain."""
        return KommoAccount.from_api(self._request("GET", ACCOUNT, before_send=before_send))


def _check_batch(items: Sequence[object]) -> None:
    if not items:
        raise ValueError("a Kommo batch needs at least one lead")
    if len(items) > MAX_LEADS_PER_REQUEST:
        raise ValueError(
            f"Kommo takes at most {MAX_LEADS_PER_REQUEST} leads a request, got {len(items)}"
        )
