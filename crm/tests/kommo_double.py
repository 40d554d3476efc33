"""A local Kommo: a real HTTP server on 127.0.0.1 that speaks the part of API v4 we call.

It follows developers.kommo.com for shapes and rules:
- POST /api/v4/leads/complex: up to 50 leads, each with at most one embedded contact
  (new, with PHONE/EMAIL multi-fields and an enum code, or an existing one by id); answers
  [{id, contact_id, company_id, request_id: [...], merged}]; a bad item rejects the whole
  request with 400 application/problem+json and `validation-errors` naming its request_id;
- POST /api/v4/leads/unsorted/forms: incoming leads with form metadata;
- GET /api/v4/leads: query, filter[created_at|updated_at][from], order, page, limit (250),
  with=contacts; 204 when nothing matches;
- GET /api/v4/contacts?query=: search by phone/email/name, each with its PHONE and EMAIL
  multitext fields; 204 when nothing matches;
- GET /api/v4/leads/{id}, /api/v4/contacts/{id}: one entity, 204 when there is none;
- GET /api/v4/account: the account's id and subdomain;
- PATCH /api/v4/contacts, /api/v4/leads: a list of {id, name?, first_name?, last_name?,
  custom_fields_values?, tags_to_add?}; `"values": null` clears a field; an unknown id or
  a non-list body is 400; answers {_embedded: {contacts|leads: [{id, updated_at}]}};
- 401 problem+json for a wrong token, 429 beyond `rate_limit` requests per second (sliding
  window), 5xx and slowness on demand.
Everything it received is recorded for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from integrations.kommo.payloads import TRACKING_FIELD_CODES

ENUM_CODES = {"WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER", "PRIV"}
LEAD_FIELD_CODES = set(TRACKING_FIELD_CODES.values()) | {"UTM_REFERRER"}
FIRST_STAGE_ID = 1001
UNSORTED_STAGE_ID = 1000


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    at: float


class KommoDouble:
    def __init__(
        self,
        *,
        token: str = "double-token",  # noqa: S107 - a test double's fixed token
        rate_limit: int | None = 7,
        window: float = 1.0,
        retry_after: str | None = "1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.window = window
        self.retry_after = retry_after
        self.clock = clock
        self.lock = threading.RLock()
        self.leads: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.received: list[Received] = []
        self.patches: list[tuple[str, dict[str, Any]]] = []  # (entity, item) as received
        self.rate_limited = 0
        self.account_id = 31000000
        self.subdomain = "kommoexpert"
        self.fail_next: deque[int] = deque()  # statuses to answer the next requests with
        self.down = False  # answer 503 to everything
        self.delay = 0.0  # seconds of slowness per request
        # A rule that rejects an item: (lead item) -> (path, detail) or None.
        self.reject: Callable[[dict[str, Any]], tuple[str, str] | None] | None = None
        self._hits: deque[float] = deque()
        self._in_flight = 0
        self._idle = threading.Condition(self.lock)
        self._next_id = 5_000_000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> KommoDouble:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> KommoDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- helpers for tests ---------------------------------------------------------------

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def markers(self) -> Counter[str]:
        """How many Kommo leads carry each of our lk-<id> tags (duplicates show as > 1)."""
        with self.lock:
            return Counter(
                tag for lead in self.leads.values() for tag in lead["tags"] if tag.startswith("lk-")
            )

    def lead_by_marker(self, marker: str) -> dict[str, Any]:
        with self.lock:
            (lead,) = [lead for lead in self.leads.values() if marker in lead["tags"]]
            return lead

    def set_status(self, lead_id: int, status_id: int) -> None:
        with self.lock:
            lead = self.leads[lead_id]
            now = int(self.clock())
            lead["status_id"] = status_id
            lead["updated_at"] = max(now, lead["updated_at"])
            if status_id in (142, 143):
                lead["closed_at"] = now

    def put_lead(
        self,
        lead_id: int,
        *,
        status_id: int = FIRST_STAGE_ID,
        updated_at: int,
        closed_at: int | None = None,
        custom_fields: list[dict[str, Any]] | None = None,
    ) -> None:
        """A lead as someone changed it in Kommo (ids of our choosing, e.g. from a test)."""
        with self.lock:
            self.leads[lead_id] = {
                "id": lead_id,
                "name": f"lead {lead_id}",
                "status_id": status_id,
                "pipeline_id": 7000,
                "created_at": updated_at,
                "updated_at": updated_at,
                "closed_at": closed_at,
                "tags": [],
                "contact_ids": [],
                "custom_fields_values": custom_fields or [],
                "request_id": "",
            }

    def put_contact(self, contact_id: int, *, updated_at: int) -> None:
        with self.lock:
            self.contacts[contact_id] = {
                "id": contact_id,
                "name": f"contact {contact_id}",
                "phones": [],
                "emails": [],
                "updated_at": updated_at,
            }

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no request is being processed (a slow one the client gave up on)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError("the Kommo double is still busy")

    def calls(self, method: str, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.method == method and r.path == path]

    def create_contact(self, *, name: str, phone: str = "", email: str = "") -> int:
        contact_id = self.new_id()
        with self.lock:
            self.contacts[contact_id] = {
                "id": contact_id,
                "name": name,
                "phones": [phone] if phone else [],
                "emails": [email] if email else [],
            }
        return contact_id

    # --- HTTP ------------------------------------------------------------------------------

    def _serve(self, method: str, path: str, query: dict, body: Any, auth: str):
        """Answer one request and record it (in flight until recorded, for wait_idle)."""
        with self._idle:
            self._in_flight += 1
        try:
            status, payload, problem, headers = self._dispatch(method, path, query, body, auth)
            with self.lock:
                self.received.append(Received(method, path, query, body, status, self.clock()))
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        return status, payload, problem, headers

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _respond(
                self,
                status: int,
                body: Any = None,
                *,
                problem: bool = False,
                headers: dict | None = None,
            ) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    kind = "application/problem+json" if problem else "application/hal+json"
                    self.send_header("Content-Type", kind)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = "<not json>"
                status, payload, problem, headers = double._serve(
                    method, parts.path, query, body, self.headers.get("Authorization", "")
                )
                # A client that gave up waiting (a timeout) is gone: Kommo still did the work.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._respond(status, payload, problem=problem, headers=headers)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

        return Handler

    def _problem(self, status: int, title: str, detail: str, **extra: Any):
        body = {
            "title": title,
            "type": f"https://httpstatus.es/{status}",
            "status": status,
            "detail": detail,
            **extra,
        }
        return status, body, True, None

    def _rate_limited(self) -> bool:
        if not self.rate_limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self._hits and now - self._hits[0] >= self.window:
                self._hits.popleft()
            if len(self._hits) >= self.rate_limit:
                self.rate_limited += 1
                return True
            self._hits.append(now)
            return False

    def _dispatch(self, method: str, path: str, query: dict, body: Any, auth: str):
        if self._rate_limited():
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            return 429, None, False, headers
        if auth != f"Bearer {self.token}":
            return self._problem(401, "Unauthorized", "Invalid access token")
        if self.delay:
            time.sleep(self.delay)
        if self.down:
            return self._problem(503, "Service Unavailable", "Kommo is down")
        with self.lock:
            forced = self.fail_next.popleft() if self.fail_next else None
        if forced is not None:
            if forced == 429:
                return (
                    429,
                    None,
                    False,
                    {"Retry-After": self.retry_after} if self.retry_after else None,
                )
            return self._problem(forced, "Forced failure", f"forced {forced}")
        routes = {
            ("POST", "/api/v4/leads/complex"): self._leads_complex,
            ("POST", "/api/v4/leads/unsorted/forms"): self._unsorted_forms,
            ("GET", "/api/v4/leads"): self._leads_list,
            ("GET", "/api/v4/contacts"): self._contacts_list,
            ("PATCH", "/api/v4/contacts"): lambda q, b: self._patch("contacts", b),
            ("PATCH", "/api/v4/leads"): lambda q, b: self._patch("leads", b),
        }
        handler = routes.get((method, path))
        if handler is not None:
            return handler(query, body)
        if method == "GET" and path == "/api/v4/account":
            return 200, {"id": self.account_id, "subdomain": self.subdomain}, False, None
        entity, _, entity_id = path.removeprefix("/api/v4/").partition("/")
        if method == "GET" and entity in ("leads", "contacts") and entity_id.isdigit():
            return self._one(entity, int(entity_id))
        return self._problem(404, "Not Found", f"no route {method} {path}")

    def _one(self, entity: str, entity_id: int):
        with self.lock:
            if entity == "contacts":
                contact = self.contacts.get(entity_id)
                if contact is None:
                    return 204, None, False, None
                return 200, self._contact_out(contact), False, None
            lead = self.leads.get(entity_id)
            if lead is None:
                return 204, None, False, None
            return 200, self._lead_out(lead, with_contacts=True), False, None

    # --- validation ------------------------------------------------------------------------

    def _contact_errors(self, contact: Any, prefix: str) -> list[dict[str, str]]:
        if not isinstance(contact, dict):
            return [{"code": "InvalidType", "path": prefix, "detail": "must be an object"}]
        if "id" in contact:
            if contact["id"] not in self.contacts:
                return [{"code": "NotFound", "path": f"{prefix}.id", "detail": "contact not found"}]
            return []
        errors = []
        for i, cf in enumerate(contact.get("custom_fields_values") or []):
            if cf.get("field_code") not in {"PHONE", "EMAIL"}:
                errors.append(
                    {
                        "code": "NotSupportedChoice",
                        "path": f"{prefix}.custom_fields_values.{i}.field_code",
                        "detail": "unknown field code",
                    }
                )
            for j, value in enumerate(cf.get("values") or []):
                if value.get("enum_code") not in ENUM_CODES:
                    errors.append(
                        {
                            "code": "NotSupportedChoice",
                            "path": f"{prefix}.custom_fields_values.{i}.values.{j}.enum_code",
                            "detail": "The value you selected is not a valid choice.",
                        }
                    )
                if not isinstance(value.get("value"), str) or not value["value"]:
                    errors.append(
                        {
                            "code": "InvalidType",
                            "path": f"{prefix}.custom_fields_values.{i}.values.{j}.value",
                            "detail": "This value should not be blank.",
                        }
                    )
        return errors

    def _lead_errors(self, lead: Any, prefix: str = "") -> list[dict[str, str]]:
        if not isinstance(lead, dict):
            return [{"code": "InvalidType", "path": prefix or "0", "detail": "must be an object"}]
        p = f"{prefix}." if prefix else ""
        errors = []
        if "name" in lead and not isinstance(lead["name"], str):
            errors.append({"code": "InvalidType", "path": f"{p}name", "detail": "must be a string"})
        for i, cf in enumerate(lead.get("custom_fields_values") or []):
            if cf.get("field_code") not in LEAD_FIELD_CODES:
                errors.append(
                    {
                        "code": "NotSupportedChoice",
                        "path": f"{p}custom_fields_values.{i}.field_code",
                        "detail": "unknown field code",
                    }
                )
        for i, tag in enumerate((lead.get("_embedded") or {}).get("tags") or []):
            if not (isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"]):
                errors.append(
                    {
                        "code": "InvalidType",
                        "path": f"{p}_embedded.tags.{i}.name",
                        "detail": "must be a string",
                    }
                )
        if self.reject is not None and (rejected := self.reject(lead)):
            errors.append(
                {"code": "NotSupportedChoice", "path": f"{p}{rejected[0]}", "detail": rejected[1]}
            )
        return errors

    def _batch_errors(self, body: Any, check: Callable[[dict], list[dict]]):
        if not isinstance(body, list) or not body:
            return self._problem(
                400,
                "Bad Request",
                "Request validation failed",
                **{
                    "validation-errors": [
                        {
                            "request_id": "0",
                            "errors": [
                                {
                                    "code": "InvalidType",
                                    "path": "",
                                    "detail": "an array of 1 to 50 items is expected",
                                }
                            ],
                        }
                    ]
                },
            )
        if len(body) > 50:
            return self._problem(
                400,
                "Bad Request",
                "Request validation failed",
                **{
                    "validation-errors": [
                        {
                            "request_id": "0",
                            "errors": [
                                {
                                    "code": "TooManyItems",
                                    "path": "",
                                    "detail": "no more than 50 items per request",
                                }
                            ],
                        }
                    ]
                },
            )
        problems = []
        for index, item in enumerate(body):
            errors = check(item)
            if errors:
                rid = str(item.get("request_id", index)) if isinstance(item, dict) else str(index)
                problems.append({"request_id": rid, "errors": errors})
        if problems:
            return self._problem(
                400, "Bad Request", "Request validation failed", **{"validation-errors": problems}
            )
        return None

    # --- storage -------------------------------------------------------------------------------

    def _store_contact(self, contact: dict) -> int:
        if "id" in contact:
            return int(contact["id"])
        contact_id = self.new_id()
        phones, emails = [], []
        for cf in contact.get("custom_fields_values") or []:
            values = [v["value"] for v in cf.get("values") or []]
            (phones if cf["field_code"] == "PHONE" else emails).extend(values)
        self.contacts[contact_id] = {
            "id": contact_id,
            "name": contact.get("name", ""),
            "phones": phones,
            "emails": emails,
        }
        return contact_id

    def _store_lead(
        self,
        lead: dict,
        *,
        contact_id: int,
        status_id: int,
        pipeline_id: int | None,
        request_id: str,
    ) -> int:
        lead_id = self.new_id()
        now = int(self.clock())
        self.leads[lead_id] = {
            "id": lead_id,
            "name": lead.get("name", ""),
            "status_id": status_id,
            "pipeline_id": pipeline_id or 7000,
            # Kommo keeps a created_at the request sets (leads "created_at": Unix timestamp).
            "created_at": int(lead.get("created_at") or now),
            "updated_at": now,
            "closed_at": None,
            "tags": [t["name"] for t in (lead.get("_embedded") or {}).get("tags") or []],
            "contact_ids": [contact_id],
            "custom_fields_values": lead.get("custom_fields_values") or [],
            "request_id": request_id,
        }
        return lead_id

    # --- routes --------------------------------------------------------------------------------

    def _leads_complex(self, query: dict, body: Any):
        def check(item: dict) -> list[dict]:
            errors = self._lead_errors(item)
            contacts = (
                (item.get("_embedded") or {}).get("contacts") or []
                if isinstance(item, dict)
                else []
            )
            if len(contacts) > 1:
                errors.append(
                    {
                        "code": "TooManyItems",
                        "path": "_embedded.contacts",
                        "detail": "one contact per lead",
                    }
                )
            for i, contact in enumerate(contacts):
                errors.extend(self._contact_errors(contact, f"_embedded.contacts.{i}"))
            return errors

        with self.lock:
            if (failure := self._batch_errors(body, check)) is not None:
                return failure
            answer = []
            for index, item in enumerate(body):
                contacts = (item.get("_embedded") or {}).get("contacts") or [{"name": ""}]
                contact_id = self._store_contact(contacts[0])
                rid = str(item.get("request_id", index))
                lead_id = self._store_lead(
                    item,
                    contact_id=contact_id,
                    status_id=item.get("status_id") or FIRST_STAGE_ID,
                    pipeline_id=item.get("pipeline_id"),
                    request_id=rid,
                )
                answer.append(
                    {
                        "id": lead_id,
                        "contact_id": contact_id,
                        "company_id": None,
                        "request_id": [rid],
                        "merged": False,
                    }
                )
        return 200, answer, False, None

    def _unsorted_errors(self, item: Any) -> list[dict]:
        if not isinstance(item, dict):
            return [{"code": "InvalidType", "path": "", "detail": "must be an object"}]
        blank = "This value should not be blank."
        meta = item.get("metadata") or {}
        errors = [
            {"code": "NotBlank", "path": key, "detail": blank}
            for key in ("source_uid", "source_name")
            if not item.get(key)
        ] + [
            {"code": "NotBlank", "path": f"metadata.{key}", "detail": blank}
            for key in ("form_id", "form_name", "form_page", "form_sent_at")
            if meta.get(key) in (None, "")
        ]
        embedded = item.get("_embedded") or {}
        for i, lead in enumerate(embedded.get("leads") or []):
            errors.extend(self._lead_errors(lead, f"_embedded.leads.{i}"))
        for i, contact in enumerate(embedded.get("contacts") or []):
            errors.extend(self._contact_errors(contact, f"_embedded.contacts.{i}"))
        return errors

    def _unsorted_forms(self, query: dict, body: Any):
        with self.lock:
            if (failure := self._batch_errors(body, self._unsorted_errors)) is not None:
                return failure
            unsorted = []
            for index, item in enumerate(body):
                embedded = item.get("_embedded") or {}
                contact_id = self._store_contact((embedded.get("contacts") or [{"name": ""}])[0])
                rid = str(item.get("request_id", index))
                lead = (embedded.get("leads") or [{}])[0]
                lead_id = self._store_lead(
                    lead,
                    contact_id=contact_id,
                    status_id=UNSORTED_STAGE_ID,
                    pipeline_id=item.get("pipeline_id"),
                    request_id=rid,
                )
                self.leads[lead_id]["metadata"] = item.get("metadata")
                unsorted.append(
                    {
                        "uid": f"uid-{lead_id}",
                        "request_id": rid,
                        "_embedded": {
                            "leads": [{"id": lead_id}],
                            "contacts": [{"id": contact_id}],
                            "companies": [],
                        },
                    }
                )
        return (
            200,
            {"_total_items": len(unsorted), "_embedded": {"unsorted": unsorted}},
            False,
            None,
        )

    def _leads_list(self, query: dict, body: Any):
        with self.lock:
            leads = list(self.leads.values())
        if text := query.get("query"):
            leads = [
                lead
                for lead in leads
                if text in lead["name"] or any(text in t for t in lead["tags"])
            ]
        for field in ("created_at", "updated_at"):
            if (since := query.get(f"filter[{field}][from]")) is not None:
                leads = [lead for lead in leads if lead[field] >= int(since)]
        order = next(
            ((k[6:-1], v) for k, v in query.items() if k.startswith("order[")), ("id", "asc")
        )
        leads.sort(key=lambda lead: (lead[order[0]], lead["id"]), reverse=order[1] == "desc")
        limit = min(int(query.get("limit", 50)), 250)
        page = int(query.get("page", 1))
        chunk = leads[(page - 1) * limit : page * limit]
        if not chunk:
            return 204, None, False, None
        with_contacts = "contacts" in query.get("with", "")
        items = [self._lead_out(lead, with_contacts=with_contacts) for lead in chunk]
        links: dict[str, Any] = {"self": {"href": f"{self.url}/api/v4/leads?page={page}"}}
        if page * limit < len(leads):
            links["next"] = {"href": f"{self.url}/api/v4/leads?page={page + 1}"}
        return 200, {"_page": page, "_links": links, "_embedded": {"leads": items}}, False, None

    @staticmethod
    def _lead_out(lead: dict[str, Any], *, with_contacts: bool) -> dict[str, Any]:
        embedded: dict[str, Any] = {
            "tags": [{"id": i + 1, "name": t} for i, t in enumerate(lead["tags"])]
        }
        if with_contacts:
            embedded["contacts"] = [{"id": c, "is_main": True} for c in lead["contact_ids"]]
        return {
            "id": lead["id"],
            "name": lead["name"],
            "status_id": lead["status_id"],
            "pipeline_id": lead["pipeline_id"],
            "created_at": lead["created_at"],
            "updated_at": lead["updated_at"],
            "closed_at": lead["closed_at"],
            "custom_fields_values": lead["custom_fields_values"] or None,
            "_embedded": embedded,
        }

    @staticmethod
    def _contact_out(contact: dict[str, Any]) -> dict[str, Any]:
        """A contact as Kommo lists it: PHONE and EMAIL are multitext custom fields."""
        fields = [
            {
                "field_code": code,
                "field_name": code.title(),
                "values": [{"value": v, "enum_code": "WORK"} for v in contact[key]],
            }
            for code, key in (("PHONE", "phones"), ("EMAIL", "emails"))
            if contact[key]
        ]
        return {
            "id": contact["id"],
            "name": contact["name"],
            "updated_at": contact.get("updated_at"),
            "custom_fields_values": fields or None,
        }

    def _contacts_list(self, query: dict, body: Any):
        text = query.get("query", "")
        with self.lock:
            found = [
                c
                for c in self.contacts.values()
                if text and (text in c["name"] or any(text in v for v in c["phones"] + c["emails"]))
            ]
        if not found:
            return 204, None, False, None
        return (
            200,
            {
                "_page": 1,
                "_embedded": {"contacts": [self._contact_out(c) for c in found]},
            },
            False,
            None,
        )

    # --- PATCH (developers.kommo.com "Editing contacts", "Editing leads") -----------------

    def _patch_errors(self, entity: str, body: Any) -> list[dict[str, str]]:
        if not isinstance(body, list) or not body:
            return [{"path": "", "detail": "The body must be a non-empty array"}]
        table = self.contacts if entity == "contacts" else self.leads
        errors = []
        for index, item in enumerate(body):
            if not isinstance(item, dict) or int(item.get("id") or 0) not in table:
                errors.append({"path": f"{index}.id", "detail": "Entity not found"})
            elif not all(isinstance(cf, dict) for cf in item.get("custom_fields_values") or []):
                errors.append({"path": f"{index}.custom_fields_values", "detail": "Invalid"})
        return errors

    def _patch(self, entity: str, body: Any):
        if errors := self._patch_errors(entity, body):
            return self._problem(
                400,
                "Bad Request",
                "Request validation failed",
                **{"validation-errors": [{"request_id": "0", "errors": errors}]},
            )
        now = int(self.clock())
        out = []
        with self.lock:
            for item in body:
                record = (self.contacts if entity == "contacts" else self.leads)[int(item["id"])]
                self._apply(entity, record, item)
                record["updated_at"] = now
                self.patches.append((entity, item))
                out.append({"id": record["id"], "updated_at": now, "request_id": str(record["id"])})
        return 200, {"_links": {}, "_embedded": {entity: out}}, False, None

    @staticmethod
    def _apply(entity: str, record: dict[str, Any], item: dict[str, Any]) -> None:
        for key in ("name", "first_name", "last_name"):
            if key in item:
                record[key] = item[key]
        record.setdefault("tags", [])
        for tag in item.get("tags_to_add") or []:
            if tag["name"] not in record["tags"]:
                record["tags"].append(tag["name"])
        for cf in item.get("custom_fields_values") or []:
            values = [v["value"] for v in cf.get("values") or []]  # null clears the field
            if entity == "contacts" and cf.get("field_code") in ("PHONE", "EMAIL"):
                record["phones" if cf["field_code"] == "PHONE" else "emails"] = values
            elif entity == "leads":
                kept = [
                    f
                    for f in record["custom_fields_values"]
                    if f.get("field_code") != cf.get("field_code")
                ]
                if values:
                    kept.append({"field_code": cf.get("field_code"), "values": cf["values"]})
                record["custom_fields_values"] = kept
