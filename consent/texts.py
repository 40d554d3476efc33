"""The consent wording, one place: what the checkbox says is what the proof stores."""

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from register.loader import get_register


def form_consent_text() -> str:
    return _(
        "I agree to the processing of my personal data (name, phone, email, message, and the "
        "technical data of this request) to answer my consultation request and manage it in "
        "Kommo CRM, as described in the Privacy Policy. I can withdraw this consent at any time."
    )


@dataclass(frozen=True)
class BannerCategory:
    id: str
    title: str
    description: str
    required: bool


@dataclass(frozen=True)
class BannerText:
    """Every word the banner shows, in the active language; `canonical` is what is proven."""

    title: str
    intro: str
    choose: str
    always_on: str
    accept_all: str
    reject_all: str
    save: str
    policy_link: str
    categories: tuple[BannerCategory, ...]

    @property
    def canonical(self) -> str:
        lines = [self.title, self.intro]
        for category in self.categories:
            state = self.always_on if category.required else "[ ]"
            lines.append(f"{state} {category.title}: {category.description}")
        lines += [self.reject_all, self.accept_all, self.save]
        return "\n".join(lines)


def banner_text() -> BannerText:
    # The register holds the categories' words in both languages (title_ru, description_ru).
    register = get_register().localized(get_language() or "en")
    categories = tuple(
        BannerCategory(id=c.id, title=c.title, description=c.description, required=c.required)
        for c in register.consent_categories
    )
    return BannerText(
        title=_("Your privacy choices"),
        intro=_(
            "Strictly necessary cookies keep this site working. With your permission we also "
            "load Google Analytics to measure how the site is used, and the Cal.com calendar so "
            "you can book a call. Nothing optional loads until you choose, and you can change "
            "your mind at any time under “Cookie settings”."
        ),
        choose=_("Choose categories"),
        always_on=_("Always on"),
        accept_all=_("Accept all"),
        reject_all=_("Reject all"),
        save=_("Save my choices"),
        policy_link=_("Privacy policy"),
        categories=categories,
    )
