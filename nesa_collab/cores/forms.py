"""How the Core pages' forms become service input: the C1 consultation fields, shared by the
appointment and reappointment forms."""

from __future__ import annotations

from .schemas import ConsultationFields
from .services import ConsultationInput

#: The consultation fields as a new form shows them (C1: the Executive Director by email, the PDAC
#: at a meeting, unless the DPL says otherwise).
CONSULTATION_DEFAULTS = {"ed_consulted_on": "", "ed_method": "email", "ed_note": "", "pdac_consulted_on": "",
                         "pdac_method": "meeting", "pdac_note": "", "note": ""}


def consultations(form: ConsultationFields) -> list[ConsultationInput]:
    """C1: the two consultations a form records, one for the Executive Director and one for the PDAC."""
    return [ConsultationInput("executive_director", form.ed_consulted_on, form.ed_method, form.ed_note),
            ConsultationInput("pdac", form.pdac_consulted_on, form.pdac_method, form.pdac_note)]
