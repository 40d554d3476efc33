"""Access (Art. 15) and portability (Art. 20): a ZIP, encrypted at rest, behind a link."""

from django.utils import timezone

from leadkeeper.crypto import fernet

from ..models import Export, Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..reports import access_report, portability_export
from ..stores import holdings
from ..tokens import DOWNLOAD_VALID


def store_export(*, run: StepRun, kind: str, content: bytes) -> Export:
    """One export per step: a retried step replaces nothing and adds nothing."""
    existing = Export.objects.filter(request=run.request, kind=kind).first()
    if existing is not None:
        return existing
    return Export.objects.create(
        request=run.request,
        kind=kind,
        content=fernet().encrypt(content),
        size=len(content),
        expires_at=timezone.now() + DOWNLOAD_VALID,
    )


@register_step(Right.ACCESS)
class AccessReport(RightsStep):
    name = "access.report"

    def execute(self, run: StepRun) -> Outcome:
        found = holdings(subject_ids=run.subject_ids)
        export = store_export(
            run=run, kind="access", content=access_report(request=run.request, found=found)
        )
        return Outcome.done(
            {"export_id": export.pk, "bytes": export.size, "leads": len(found.leads)},
            "access report ready; the link goes out with the answer",
        )


@register_step(Right.PORTABILITY)
class PortabilityExport(RightsStep):
    name = "portability.export"

    def execute(self, run: StepRun) -> Outcome:
        found = holdings(subject_ids=run.subject_ids)
        content = portability_export(request=run.request, found=found)
        export = store_export(run=run, kind="portability", content=content)
        return Outcome.done(
            {"export_id": export.pk, "bytes": export.size},
            "portable copy ready; the link goes out with the answer",
        )
