"""Visitor keys: who is the same browser today, without a cookie and without storing an IP.

key = HMAC-SHA256(daily salt, site | truncated IP | User-Agent), 128 bits in hex. The IP is
truncated (/24, /48) before hashing, as consent proof does, so even the key's input holds
no full address. With analytics consent, the script may send a random first-party id
(`cid`); we store only its keyed hash (`consented_id`), which links visits across days
until the visitor withdraws consent (then the id is forgotten: forget_consented_id()).
"""

import datetime
import hashlib
import hmac
from functools import cache, lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from consent.services import truncate_ip
from leadkeeper.crypto import blind_index, blind_indexes

from .salts import on_forget, salt_for

USER_AGENT_MAX = 512  # the length capture stores on a lead, so both compute the same key


@cache
def site_host() -> str:
    """The site the keys are computed for (SITE_URL's host): one site, one key space."""
    return (urlsplit(settings.SITE_URL).hostname or "").lower()


def visitor_key(*, ip: str, user_agent: str, day: datetime.date) -> str:
    salt_for(day)  # raises for a day whose salt is gone
    return _key(day, ip, user_agent[:USER_AGENT_MAX])


@lru_cache(maxsize=8192)
def _key(day: datetime.date, ip: str, user_agent: str) -> str:
    salt = salt_for(day)
    message = "|".join((site_host(), truncate_ip(ip), user_agent))
    return hmac.new(salt, message.encode(), hashlib.sha256).digest()[:16].hex()


def consented_id_hash(cid: str) -> str:
    return blind_index(f"analytics-cid|{cid}")


def consented_id_hashes(cid: str) -> list[str]:
    """Under every index key: the id is forgotten on withdrawal whichever key stored it
    (events keep the key they were stored with until retention drops them)."""
    return blind_indexes(f"analytics-cid|{cid}")


# Keys computed under a salt leave memory with it.
on_forget(_key.cache_clear)
