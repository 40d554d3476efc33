"""Kommo CRM (amoCRM) API v4: a thin typed httpx client, its payloads and its error tree."""
