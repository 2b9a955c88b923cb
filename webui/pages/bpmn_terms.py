"""BPMN element types and the aspects of a version change, as process owners read them (中文 / English).

No `bp` here: `register_blueprints` imports this module and leaves it alone.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ELEMENT_TYPES = {
    "userTask": _l("User task"), "manualTask": _l("Manual task"), "scriptTask": _l("Script task"),
    "serviceTask": _l("Service task"), "sendTask": _l("Send task"), "receiveTask": _l("Receive task"),
    "businessRuleTask": _l("Business rule task"), "task": _l("Task"), "callActivity": _l("Call activity"),
    "subProcess": _l("Sub-process"), "adHocSubProcess": _l("Ad hoc sub-process"), "transaction": _l("Transaction"),
    "startEvent": _l("Start event"), "endEvent": _l("End event"), "boundaryEvent": _l("Boundary event"),
    "intermediateCatchEvent": _l("Intermediate catch event"), "intermediateThrowEvent": _l("Intermediate throw event"),
    "exclusiveGateway": _l("Exclusive gateway"), "parallelGateway": _l("Parallel gateway"),
    "inclusiveGateway": _l("Inclusive gateway"), "eventBasedGateway": _l("Event-based gateway"),
    "complexGateway": _l("Complex gateway"), "sequenceFlow": _l("Sequence flow"), "messageFlow": _l("Message flow"),
    "association": _l("Association"), "lane": _l("Lane"), "participant": _l("Pool (participant)"),
    "process": _l("Process"), "collaboration": _l("Collaboration"), "dataObject": _l("Data object"),
    "dataObjectReference": _l("Data object reference"), "dataStoreReference": _l("Data store reference"),
    "textAnnotation": _l("Text annotation"), "group": _l("Group"), "message": _l("Message definition"),
    "signal": _l("Signal definition"), "error": _l("Error definition"), "escalation": _l("Escalation definition"),
}
EVENT_KINDS = {
    "timer": _l("timer"), "message": _l("message"), "signal": _l("signal"), "error": _l("error"),
    "escalation": _l("escalation"), "conditional": _l("condition"), "terminate": _l("terminate"),
    "link": _l("link"), "compensate": _l("compensation"), "cancel": _l("cancel"),
}
ASPECTS = {
    "type": _l("Type"), "name": _l("Name"), "role": _l("Role"), "form": _l("Form"), "due": _l("Deadlines"),
    "condition": _l("Condition"), "timer": _l("Timer"), "script": _l("Script"), "flow": _l("Connection"),
    "starters": _l("Who may start"), "other": _l("Other attributes"),
}
# Field names that read better in words; the others (dueIn, formKey, candidateGroups …) are what the editor shows.
FIELDS = {
    "lane": _l("lane"), "condition": _l("expression"), "default": _l("default flow of"), "script": _l("code"),
    "timeDuration": _l("duration"), "timeDate": _l("date"), "timeCycle": _l("cycle"), "sourceRef": _l("from"),
    "targetRef": _l("to"), "attachedToRef": _l("attached to"), "documentation": _l("documentation"),
}


def element_type(kind: str, event: str = "") -> str:
    """用户任务, 边界事件（定时器）…: the type of an element, with its event definition for events."""
    label = str(ELEMENT_TYPES.get(kind, kind))
    if not event:
        return label
    events = "/".join(str(EVENT_KINDS.get(e, e)) for e in event.split("+"))
    return _("%(type)s (%(event)s)", type=label, event=events)


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))
