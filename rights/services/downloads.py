"""Handing out an access or portability ZIP behind its expiring link."""

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from audit.services import record_event
from leadkeeper.crypto import fernet

from ..errors import LinkExpired, LinkUsed
from ..models import Export
from ..selectors import export_for_download
from ..tokens import read_download_token


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes


def open_download(*, token: str) -> Download:
    """The ZIP a genuine link points at, while it has not expired; each download audited."""
    export_id, reference = read_download_token(token)
    export = export_for_download(export_id=export_id, reference=reference)
    if export is None:
        raise LinkUsed("the export this link pointed at no longer exists")
    if export.expires_at <= timezone.now():
        raise LinkExpired(f"export {export.pk} expired on {export.expires_at:%Y-%m-%d}")
    Export.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    record_event(
        actor="data subject (download link)",
        action="rights.export.downloaded",
        obj=export,
        reason=f"{export.kind} export handed out (Art. 15(3), 20)",
    )
    return Download(
        filename=f"{export.kind}-{reference}.zip", content=fernet().decrypt(bytes(export.content))
    )
