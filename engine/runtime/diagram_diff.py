"""Compare two versions of a process by meaning: which elements were added, removed or changed, and how.

Elements are matched by BPMN id (what SpiffWorkflow aligns task specs by, too) and compared on the facts
`diagram_model` reads: a change is named by its aspect — name, role (lane, candidateGroups, assignee),
form, due (dueIn, remindBefore, escalateTo), condition, timer, script, connection (source, target,
attached to), starters (who may start the process), type, other. Attribute order, whitespace, namespace
prefixes and attributes written with their BPMN default are no change. Elements whose shapes only moved
or were resized are listed apart (`layout`). Lane and role names are compared by the role they name, so
renaming a lane from `bureau_inspector` to 业务科室人员 changes the lane's name but no task's role.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import definitions, diagram_model
from .db import unit_of_work
from .diagram_model import ASPECTS, ElementFacts
from .roles import RoleBook


@dataclass(frozen=True)
class FieldChange:
    """One field of an aspect, before and after ("" when absent)."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AspectChange:
    aspect: str  # one of diagram_model.ASPECTS
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # BPMN local name: userTask, boundaryEvent …
    name: str
    event: str = ""  # timer, message … for events
    changes: tuple[AspectChange, ...] = ()

    @property
    def what(self) -> tuple[str, ...]:
        """The aspects that changed, in display order."""
        return tuple(c.aspect for c in self.changes)


@dataclass(frozen=True)
class VersionDiff:
    key: str
    old_version: int
    new_version: int
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]
    layout: tuple[ElementChange, ...] = ()  # elements whose shapes moved but whose meaning did not change

    @property
    def same_meaning(self) -> bool:
        """True when nothing but the layout differs."""
        return not (self.added or self.removed or self.changed)


def _aspect(aspect: str, old: ElementFacts, new: ElementFacts) -> AspectChange | None:
    if aspect in ("type", "name"):
        before, after = getattr(old, "kind" if aspect == "type" else aspect), getattr(new, "kind" if aspect == "type" else aspect)
        return AspectChange(aspect, (FieldChange(aspect, before, after),)) if before != after else None
    a, b = old.aspects.get(aspect, {}), new.aspects.get(aspect, {})
    fields = tuple(FieldChange(name, _shown(a, name), _shown(b, name))
                   for name in dict.fromkeys([*a, *b])
                   if (a[name].key if name in a else None) != (b[name].key if name in b else None))
    return AspectChange(aspect, fields) if fields else None


def _shown(fields: dict[str, diagram_model.Field], name: str) -> str:
    """A field as written; an attribute left out shows its BPMN default (cancelActivity → true)."""
    return fields[name].shown if name in fields else diagram_model.DEFAULTS.get(name, "")


def compare_elements(old: ElementFacts, new: ElementFacts) -> tuple[AspectChange, ...]:
    """What differs between two versions of one element, aspect by aspect."""
    return tuple(change for aspect in ASPECTS if (change := _aspect(aspect, old, new)))


def _entry(facts: ElementFacts, changes: tuple[AspectChange, ...] = ()) -> ElementChange:
    return ElementChange(facts.element_id, facts.kind, facts.name, facts.event, changes)


def diff_xml(key: str, old_version: int, new_version: int, old_xml: str, new_xml: str,
             resolve: diagram_model.Resolve | None = None) -> VersionDiff:
    """The semantic difference between two diagrams; `resolve` maps a lane or group name to its role key."""
    old, new = diagram_model.read(old_xml, resolve), diagram_model.read(new_xml, resolve)
    added = tuple(_entry(f) for i, f in new.elements.items() if i not in old.elements)
    removed = tuple(_entry(f) for i, f in old.elements.items() if i not in new.elements)
    changed, layout = [], []
    for ident, facts in new.elements.items():
        if ident not in old.elements:
            continue
        if changes := compare_elements(old.elements[ident], facts):
            changed.append(_entry(facts, changes))
        elif old.layout.get(ident) != new.layout.get(ident):
            layout.append(_entry(facts))
    return VersionDiff(key, old_version, new_version, added, removed, tuple(changed), tuple(layout))


def compare_versions(key: str, old_version: int, new_version: int) -> VersionDiff:
    """What was added, removed or changed from one stored version to another."""
    with unit_of_work(write=False) as s:
        roles = RoleBook.load(s)
        old = definitions.load_definition(s, key, old_version)
        new = definitions.load_definition(s, key, new_version)
        return diff_xml(key, old.version, new.version, old.bpmn_xml, new.bpmn_xml,
                        resolve=lambda name: roles.resolve(name, None))
