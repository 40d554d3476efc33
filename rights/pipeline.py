"""The step interface executors plug into: one class per step, one typed `execute()`.

A right's plan is the list of step classes registered for it. Every request starts with
the `locate` step (stage 0), which finds the subject by the verified identifiers; the rest
is planned from what it found, one `Step` row per (step, recipient, target), so a vendor
step gets one row per booking or contact and its own line on the desk.

To add a recipient's step (e.g. a Kommo erasure)::

    @register_step(Right.ERASURE)
    class KommoErasure(RightsStep):
        name = "kommo.erase"
        recipient = "kommo"
        atomic = False  # talks to a vendor: no database transaction around the call

        def targets(self, *, request, found):
            return [(str(lead["kommo_contact_id"]), {"contact_id": lead["kommo_contact_id"]})
                    for lead in found.leads if lead["kommo_contact_id"]]

        def execute(self, run):
            ...  # raise StepRetry on 429/5xx, StepFailed on 401; return Outcome.done(receipt)

Fides' one-connector-fails-all (fides#2048) is what this shape avoids: each row settles
on its own, and the request only completes when every row is done or explained.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from .models import RightsRequest, Step
from .stores import Holdings


@dataclass(frozen=True)
class Outcome:
    """What a step achieved: done (with the recipient's receipt), waiting, or vendor-pending."""

    state: str
    receipt: dict = field(default_factory=dict)
    message: str = ""

    @classmethod
    def done(cls, receipt: dict | None = None, message: str = "") -> "Outcome":
        return cls(Step.State.DONE, receipt or {}, message)

    @classmethod
    def waiting(cls, instructions: str, receipt: dict | None = None) -> "Outcome":
        """A person must act; `instructions` say exactly what (shown on the desk)."""
        return cls(Step.State.WAITING, receipt or {}, instructions)

    @classmethod
    def vendor_pending(cls, receipt: dict, message: str) -> "Outcome":
        """The vendor accepted and finishes later (GA deletes within days: fides#1950)."""
        return cls(Step.State.VENDOR_PENDING, receipt, message)


@dataclass(frozen=True)
class StepRun:
    """What a step's `execute()` gets: its request, its row, and the located subjects."""

    request: RightsRequest
    step: Step
    subject_ids: list[int]

    @property
    def params(self) -> dict:
        return self.step.params


class RightsStep:
    """Base of every step. Subclasses set `name` and implement `execute()`."""

    name: ClassVar[str] = ""
    recipient: ClassVar[str] = "local"
    stage: ClassVar[int] = 1
    # Local steps run inside the transaction that records their outcome: all or nothing.
    atomic: ClassVar[bool] = True
    max_attempts: ClassVar[int] = 8
    # Names of steps of the same request that must be done first; until then this step's
    # rows are BLOCKED, and the pipeline releases them when the last of those is done.
    after: ClassVar[tuple[str, ...]] = ()

    def targets(self, *, request: RightsRequest, found: Holdings) -> list[tuple[str, dict]]:
        """One (target, params) per row to create; [] when there is nothing to do here."""
        return [("", {})]

    def execute(self, run: StepRun) -> Outcome:
        raise NotImplementedError(f"step {self.name!r} does not implement execute()")


PLANS: dict[str, list[type[RightsStep]]] = defaultdict(list)
STEPS: dict[str, type[RightsStep]] = {}


def register_step(*rights: str) -> Callable[[type[RightsStep]], type[RightsStep]]:
    """Class decorator: run this step for requests of these rights (none: only by name)."""

    def register(cls: type[RightsStep]) -> type[RightsStep]:
        if not cls.name:
            raise ValueError(f"{cls.__qualname__} has no step name")
        STEPS[cls.name] = cls
        for right in rights:
            if cls not in PLANS[right]:
                PLANS[right].append(cls)
        return cls

    return register


def step_class(name: str) -> type[RightsStep]:
    load_steps()
    try:
        return STEPS[name]
    except KeyError:
        raise KeyError(f"no step is registered under the name {name!r}") from None


def plan_for(right: str) -> list[type[RightsStep]]:
    load_steps()
    return list(PLANS[right])


def load_steps() -> None:
    """Import every step module once (they register themselves)."""
    from . import steps  # noqa: F401
