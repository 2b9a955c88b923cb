"""The referral letter (移送函) and the formal inquiry letter (函询函) of enforcement_referral v2 (seed item 20).

`send_referral` is followed by the script task `issue_letter`, which calls `issue_document_no('referral')`: the
letter number (洮商安移〔2026〕N号) is taken in that step's transaction (`document_numbers.take`), so the number,
the case data and the audit row commit together. `issue_inquiry` does the same for 函询 (洮商安函〔2026〕N号).
The function is registered with `scripting.register_function`, like `register_figures`: the runtime knows
nothing of letters.

`letter(actor, case_id, kind)` gathers what the printable page shows from the case: addressee, facts, evidence,
legal basis, proposed measures, feedback deadline, contact. Bureau staff who may see the case may read it;
enterprise users may not (an internal document between authorities: 404, as for the referral register).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..runtime import access, clock, forms, instances, scripting
from ..runtime.db import unit_of_work
from ..runtime.errors import NotFound
from ..runtime.models import Attachment, Enterprise
from ..runtime.views import Actor
from . import document_numbers

REFERRAL_PROCESS = "enforcement_referral"
KINDS = ("referral", "inquiry")


def _issue_document_no(series: str) -> str:
    """Sandbox function: the next 文号 of `series` this year, taken in the running step's transaction."""
    if series not in document_numbers.SERIES:
        raise ValueError(f"issue_document_no: unknown series {series!r}; known: {sorted(document_numbers.SERIES)}")
    session = scripting.step_session()
    if session is None:
        raise ValueError("issue_document_no: a document number is taken only while a case's step runs")
    year = clock.now().astimezone(clock.CHINA_TZ).year
    return document_numbers.formatted(series, year, document_numbers.take(session, series, year))


scripting.register_function("issue_document_no", _issue_document_no)


@dataclass(frozen=True)
class Letter:
    """What a printed 移送函 or 函询函 says (labels already in Chinese)."""

    kind: str  # referral | inquiry
    case_id: int
    number: str
    issued_on: str | None
    addressee: str
    copy_to: str | None
    enterprise_name: str | None
    enterprise_code: str | None
    enterprise_address: str | None
    case_title: str | None
    trigger: str | None
    facts: str
    evidence: tuple[str, ...]
    legal_basis: str | None
    proposed_measures: tuple[str, ...]
    responsible_person: str | None
    target_regulators: tuple[str, ...]
    deadline: str | None
    receipt_due: str | None
    contact_person: str | None
    contact_phone: str | None
    hazard_case_title: str | None
    referral_number: str | None = None  # an inquiry names the letter it follows up
    referral_issued_on: str | None = None
    inquiry_text: str | None = None
    urges: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _titles(schema: dict[str, Any] | None, name: str) -> dict[str, str]:
    prop = ((schema or {}).get("properties") or {}).get(name) or {}
    spec = prop.get("items") if prop.get("type") == "array" else prop
    return dict(zip(spec.get("enum", []), spec.get("x-enum-titles", []))) if isinstance(spec, dict) else {}


def _labels(values: Any, titles: dict[str, str]) -> tuple[str, ...]:
    return tuple(titles.get(str(v), str(v)) for v in values) if isinstance(values, list) else ()


def _evidence_names(s: Any, case_id: int, ids: Any) -> tuple[str, ...]:
    wanted = [str(i) for i in ids] if isinstance(ids, list) else []
    found = dict(s.execute(select(Attachment.id, Attachment.filename)
                           .where(Attachment.id.in_(wanted), Attachment.instance_id == case_id)).all()) if wanted else {}
    return tuple(found.get(i, i) for i in wanted)


def letter(actor: Actor, case_id: int, kind: str = "referral") -> Letter:
    """The referral letter (or, `kind='inquiry'`, the formal inquiry letter) of a v2 referral case.

    Raises:
        NotFound: no such case, not visible to the actor, an enterprise user, not a referral, or no such letter yet.
    """
    with unit_of_work(write=False) as s:
        inst = instances.visible(s, actor, case_id)
        data: dict[str, Any] = dict(inst.summary or {})
        number = data.get("letter_no" if kind == "referral" else "inquiry_no") if kind in KINDS else None
        if (access.is_enterprise_user(actor) or inst.process_key != REFERRAL_PROCESS or not number
                or not data.get("letter_issued_on")):
            raise NotFound("还没有这份函件", "No such letter (yet)", {"case_id": case_id, "kind": kind})
        dossier = forms.latest_schema(s, "referral_dossier")
        ent = s.get(Enterprise, inst.enterprise_id) if inst.enterprise_id else None
        evidence = _evidence_names(s, inst.id, data.get("evidence"))
        start = forms.latest_schema(s, "referral_start")
        channels = _titles(forms.latest_schema(s, "referral_urge"), "urge_channel")
    trigger = _titles(start, "trigger").get(str(data.get("trigger")), data.get("trigger"))
    common = dict(case_id=inst.id, addressee=str(data.get("receiving_office") or ""), copy_to=data.get("copy_to"),
                  enterprise_name=ent.name if ent else None, enterprise_code=ent.code if ent else None,
                  enterprise_address=ent.address if ent else None, case_title=inst.title, trigger=trigger,
                  facts=str(data.get("facts") or data.get("facts_summary") or ""), evidence=evidence,
                  legal_basis=data.get("legal_basis"),
                  proposed_measures=_labels(data.get("proposed_measures"), _titles(dossier, "proposed_measures")),
                  responsible_person=data.get("responsible_person_name"),
                  target_regulators=_labels(data.get("target_regulators"), _titles(dossier, "target_regulators")),
                  deadline=data.get("deadline"), receipt_due=data.get("receipt_due"),
                  contact_person=data.get("contact_person"), contact_phone=data.get("contact_phone"),
                  hazard_case_title=data.get("hazard_case_title"))
    if kind == "referral":
        return Letter("referral", number=str(number), issued_on=data.get("letter_issued_on"), **common)
    return Letter("inquiry", number=str(number), issued_on=data.get("inquiry_issued_on"),
                  referral_number=data.get("letter_no"), referral_issued_on=data.get("letter_issued_on"),
                  inquiry_text=data.get("inquiry_text"),
                  urges=tuple({**u, "channel": channels.get(str(u.get("channel")), u.get("channel"))}
                              for u in data.get("urges") or () if isinstance(u, dict))[:10], **common)


def has_letter(data: dict[str, Any], kind: str = "referral") -> bool:
    """True when a case's data carries an issued letter of that kind (for links on the case and task pages)."""
    return bool(data.get("letter_issued_on") and data.get("letter_no" if kind == "referral" else "inquiry_no"))



__all__ = ["Letter", "letter", "has_letter", "KINDS", "REFERRAL_PROCESS"]
