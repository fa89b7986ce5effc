"""The Danish texts of the Outlook add-in and the templates of the invitations, per tenant.

Staff of a municipality see the add-in's button, its side pane and the joining instructions in
their own Outlook, so Pexip's English defaults ("Pexip Scheduling Service") will not do: every text
here is Danish by default and carries the organisation's name. The add-in texts are rendered here
with jinja2 from the Tenant (`{{ organisation }}`), since Pexip shows them verbatim; the templates
(joining instructions, replies to the organiser, conference names) are Jinja2 that *Pexip* renders
for each meeting, so they are only checked for syntax here and sent as written.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


# Pexip's field -> the Danish default. `{{ organisation }}` is the Tenant's display name.
ADDIN_TEXTS: dict[str, str] = {
    "addin_display_name": "{{ organisation }} videomøde",
    "addin_description": "Gør aftaler i Outlook til VDX-videomøder hos {{ organisation }}",
    "addin_provider_name": "{{ organisation }}",
    "addin_button_label": "Opret VDX-videomøde",
    "addin_group_label": "VDX-videomøde",
    "addin_supertip_title": "Gør aftalen til et VDX-videomøde",
    "addin_supertip_description": "Tilføjer et videomøderum hos {{ organisation }} til aftalen. Mødet "
    "er først booket, når du vælger Send.",
    "addin_pane_title": "Tilføj et videomøderum",
    "addin_pane_description": "Tildeler et videomøderum hos {{ organisation }} til dit møde",
    "addin_pane_button_title": "Tilføj et engangsmøderum",
    "addin_pane_success_heading": "Videomøderummet er tilføjet",
    "addin_pane_success_message": "Aftalen holdes nu som videomøde i et VDX-møderum. Mødet er først "
    "booket, når du vælger Send.",
    "addin_pane_already_video_meeting_heading": "Aftalen har allerede et videomøderum",
    "addin_pane_already_video_meeting_message": "Aftalen holdes allerede i et videomøderum. Er det "
    "et nyt møde, så vælg Send for at booke det.",
    "addin_pane_general_error_heading": "Fejl",
    "addin_pane_general_error_message": "Mødeinstruktionerne kunne ikke tilføjes. Prøv igen, eller "
    "kontakt {{ organisation }}s IT-support.",
    "addin_pane_management_node_down_heading": "Der kan ikke tildeles et møderum lige nu",
    "addin_pane_management_node_down_message": "VDX kan ikke tildele et videomøderum lige nu. Vælg "
    "Send for at booke mødet; deltagerne får mødeinstruktionerne senere.",
    "addin_pane_personal_vmr_add_button": "Tilføj dit personlige møderum",
    "addin_pane_personal_vmr_error_getting_message": "Dine personlige møderum kunne ikke hentes. Prøv igen.",
    "addin_pane_personal_vmr_error_inserting_meeting_message": "Mødeinstruktionerne kunne ikke "
    "tilføjes. Prøv igen.",
    "addin_pane_personal_vmr_error_signing_in_message": "Du kunne ikke logges ind. Prøv igen.",
    "addin_pane_personal_vmr_none_message": "Du har ingen personlige møderum",
    "addin_pane_personal_vmr_select_message": "Vælg det møderum, du vil tilføje til mødet",
    "addin_pane_personal_vmr_sign_in_button": "Log ind",
}

# Pexip's English defaults (v41 field data): an override equal to one of them is English, not Danish.
PEXIP_ENGLISH_DEFAULTS: frozenset[str] = frozenset(
    {
        "Pexip Scheduling Service",
        "Turns meetings into Pexip meetings",
        "Pexip",
        "Create a Pexip meeting",
        "Pexip meeting",
        "Makes this a Pexip meeting",
        "Add a VMR",
        "This assigns a Virtual Meeting Room for your meeting",
        "Add a Single-use VMR",
        "Success",
        "VMR already assigned",
        "Error",
        "Cannot assign a VMR right now",
        "Add a Personal VMR",
        "You do not have any personal VMRs",
        "Select the VMR you want to add to the meeting",
        "Sign In",
    }
)

# Pexip's field -> the Danish default. These are rendered by Pexip for each meeting, with the
# variables its own defaults use (`subject`, `organizer_name`, `organizer_email`, `name`,
# `description`); `alias` in the joining instructions is the generated VMR alias (see
# docs/calendar.md: the field data does not list the variables, try on stage first).
TEMPLATES: dict[str, str] = {
    "meeting_instructions_template": (
        "<p><b>VDX-videomøde hos {{ organisation }}</b></p>\n"
        "<p>Deltag fra en browser, en app eller et videosystem: {{ '{{' }} alias {{ '}}' }}</p>\n"
        "<p>Mødet er sikret gennem VDX, sundhedsvæsenets nationale videoinfrastruktur.</p>"
    ),
    "placeholder_instructions_template": (
        "<p>Mødeinstruktionerne til dette VDX-videomøde hos {{ organisation }} sendes snarest.</p>"
    ),
    "conference_name_template": "{{ '{{' }}subject{{ '}}' }} ({{ '{{' }}organizer_name{{ '}}' }})",
    "conference_description_template": "Videomøde booket af {{ '{{' }}organizer_email{{ '}}' }}",
    "conference_subject_template": "{{ '{{' }}subject{{ '}}' }}",
    "scheduled_alias_description_template": "Videomøde booket af {{ '{{' }}organizer_email{{ '}}' }}",
    "accept_new_single_meeting_template": (
        "<p>Dit VDX-videomøde hos {{ organisation }} er booket. Deltagerne har fået mødeinstruktionerne.</p>"
    ),
    "accept_new_recurring_series_template": (
        "<p>Din mødeserie er booket som VDX-videomøder hos {{ organisation }}.</p>"
    ),
    "accept_edited_single_meeting_template": "<p>Ændringen af dit VDX-videomøde er registreret.</p>",
    "accept_edited_recurring_series_template": "<p>Ændringen af din mødeserie er registreret.</p>",
    "accept_edited_occurrence_template": "<p>Ændringen af mødet i serien er registreret.</p>",
    "reject_alias_conflict_template": (
        "<p>Mødet kunne ikke bookes: møderummets adresse er allerede i brug. Opret mødet igen.</p>"
    ),
    "reject_alias_deleted_template": "<p>Mødet kunne ikke bookes: møderummet findes ikke længere.</p>",
    "reject_general_error_template": (
        "<p>Mødet kunne ikke bookes. Prøv igen, eller kontakt {{ organisation }}s IT-support.</p>"
    ),
    "reject_invalid_alias_id_template": "<p>Mødet kunne ikke bookes: møderummets adresse er ugyldig.</p>",
    "reject_recurring_series_past_template": "<p>Mødeserien ligger i fortiden og blev ikke booket.</p>",
    "reject_single_meeting_past": "<p>Mødet ligger i fortiden og blev ikke booket.</p>",
}


@functools.cache
def _environment() -> SandboxedEnvironment:
    """Made on first use: an operator without calendar kinds never loads jinja2 (its footprint)."""
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def syntax_error(template: str) -> str | None:
    """Why `template` is not valid Jinja2 (line and reason), or None. Pexip renders it for every
    meeting, so a template that does not parse would fail every booking; it is caught here."""
    from jinja2 import TemplateSyntaxError

    try:
        _environment().parse(template)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def render_text(template: str, organisation: str) -> str:
    """An add-in text with the organisation's name filled in (our jinja2, not Pexip's)."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    try:
        return _environment().from_string(template).render(organisation=organisation).strip()
    except (TemplateSyntaxError, UndefinedError):
        return template.strip()


def addin_texts(organisation: str, overrides: Mapping[str, str]) -> dict[str, str]:
    """Every add-in and side-pane text, Danish defaults with the organisation's name, overridden
    per field. Pexip holds at most 250 characters per text; a longer one is cut at a word."""
    texts = {}
    for field, default in ADDIN_TEXTS.items():
        text = render_text(overrides.get(field) or default, organisation)
        texts[field] = text if len(text) <= 250 else text[:249].rsplit(" ", 1)[0] + "…"
    return texts


def templates(organisation: str, overrides: Mapping[str, str]) -> dict[str, str]:
    """Every template Pexip renders: an override as written, else the Danish default (in which
    only `{{ organisation }}` is ours; Pexip's own variables pass through to Pexip)."""
    return {
        field: overrides[field] if overrides.get(field) else render_text(default, organisation)
        for field, default in TEMPLATES.items()
    }
