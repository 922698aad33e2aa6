"""Record bodies turned into content (create) or into one engine plan (the seed's update)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from service.core.kinds import distinct
from service.core.operations import Add, Limit, Operation, Plan, Preconditions, Remove, Set, Unset
from service.core.paths import value_at
from service.dialects.highlevel import messages, objectschema
from service.dialects.highlevel.objectschema import FieldDef, ObjectSchema
from service.dialects.highlevel.validation import (
    Checked,
    check_format,
    check_item,
    check_scalar,
    check_user_id,
    unprocessable,
)

_USER_LIMITS = {
    objectschema.OWNER: objectschema.MAX_OWNERS,
    objectschema.FOLLOWERS: objectschema.MAX_FOLLOWERS,
}


@dataclass
class Edit:
    """A multi-value change: a replacement, or values to remove and to add."""

    replace: list[Any] | None = None
    add: list[Any] = field(default_factory=list)
    remove: list[Any] = field(default_factory=list)


class Checks(NamedTuple):
    """How the values of one multi-value field are checked, and how many it may hold."""

    item: Callable[[Any], Checked]
    added: Callable[[Any], str | None] | None
    limit: int | None


@dataclass
class Draft:
    problems: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if problem not in self.problems:  # one line per problem, not one per value
            self.problems.append(problem)


def parse_edit(draft: Draft, name: str, value: Any) -> Edit | None:
    if isinstance(value, list):
        return Edit(replace=value)
    valid = isinstance(value, dict) and value and set(value) <= {"add", "remove"}
    if valid and all(isinstance(v, list) for v in value.values()):
        return Edit(add=value.get("add", []), remove=value.get("remove", []))
    draft.note(messages.MUST_BE_ADD_REMOVE.format(name=name))
    return None


def _checked(draft: Draft, values: list[Any], check: Callable[[Any], Checked]) -> list[Any]:
    out = []
    for value in values:
        stored, problem = check(value)
        if problem is not None:
            draft.note(problem)
        out.append(stored)
    return distinct(out)


def _multi(draft: Draft, path: tuple[str, ...], name: str, edit: Edit, checks: Checks) -> None:
    """Add the operations of one multi-value edit to the draft."""
    removes = _checked(draft, edit.remove, checks.item)
    adds = _checked(draft, edit.add if edit.replace is None else edit.replace, checks.item)
    for problem in map(checks.added or (lambda item: None), adds):
        if problem is not None:
            draft.note(problem)
    if checks.limit is not None and len(adds) > checks.limit:
        draft.note(messages.MAX_ITEMS.format(name=name, limit=checks.limit))
    if edit.replace is not None:
        draft.operations.append(Set(path, adds))
        return
    if removes:
        draft.operations.append(Remove(path, tuple(removes)))
    if adds:
        draft.operations.append(Add(path, tuple(adds)))
        if checks.limit is not None:
            draft.limits.append(Limit(path, checks.limit))


def _field_checks(definition: FieldDef, name: str) -> Checks:
    def item(value: Any) -> Checked:
        return check_item(definition, name, value)

    def added(value: Any) -> str | None:
        return check_format(definition, name, value) if isinstance(value, dict) else None

    files = definition.data_type == objectschema.FILE_UPLOAD
    return Checks(item, added if files else None, definition.max_files)


def _resolve(draft: Draft, schema: ObjectSchema, key: str) -> FieldDef | None:
    """The field a property key names (`field`, or `field.option` for textbox lists)."""
    name = f"{objectschema.PROPERTIES}.{key}"
    base, dot, option = key.partition(".")
    definition = schema.by_key.get(base)
    if definition is None or (dot and definition.data_type != objectschema.TEXTBOX_LIST):
        draft.note(messages.SHOULD_NOT_EXIST.format(name=name))
        return None
    if definition.data_type == objectschema.TEXTBOX_LIST and not dot:
        draft.note(messages.TEXTBOX_PER_OPTION.format(name=name, key=key))
        return None
    if dot and option not in definition.option_keys:
        draft.note(messages.MUST_BE_OPTION.format(name=name))
        return None
    return definition


def _property(draft: Draft, schema: ObjectSchema, key: str, value: Any) -> None:
    definition = _resolve(draft, schema, key)
    if definition is None:
        return
    name, path = f"{objectschema.PROPERTIES}.{key}", (objectschema.PROPERTIES, key)
    if value is None:
        draft.operations.append(Unset(path))
    elif definition.data_type in objectschema.MULTI_VALUE:
        edit = parse_edit(draft, name, value)
        if edit is not None:
            _multi(draft, path, name, edit, _field_checks(definition, name))
    else:
        stored, problem = check_scalar(definition, name, value)
        if problem is None:
            draft.operations.append(Set(path, stored))
        else:
            draft.note(problem)


def _users(draft: Draft, name: str, value: Any) -> None:
    path = (name,)
    if value is None:
        draft.operations.append(Set(path, []))
        return
    edit = parse_edit(draft, name, value)
    if edit is not None:
        checks = Checks(lambda item: check_user_id(name, item), None, _USER_LIMITS[name])
        _multi(draft, path, name, edit, checks)


def _draft(schema: ObjectSchema, body: dict[str, Any]) -> Draft:
    draft = Draft()
    if "owner" in body and "owners" in body:
        draft.note(messages.OWNER_TWICE)
    owner = body.get("owner", body.get("owners"))
    if "owner" in body or "owners" in body:
        _users(draft, objectschema.OWNER, owner)
    if "followers" in body:
        _users(draft, objectschema.FOLLOWERS, body["followers"])
    for key, value in (body.get("properties") or {}).items():
        _property(draft, schema, key, value)
    return draft


def update_plan(schema: ObjectSchema, body: dict[str, Any]) -> Plan:
    """The seed's update as ONE plan; 422 with every problem when the body is not valid.

    - Scalars: Set; `null`: Unset (owner/followers: emptied).
    - Multi-value fields (owner, followers, MULTIPLE_OPTIONS, CHECKBOX, FILE_UPLOAD): a plain
      array replaces; `{"add", "remove"}` becomes Remove + Add on one path, which the engine
      applies (remove first) in the same atomic write as the rest.
    - Size limits (1 owner, 10 followers, a field's maxFileLimit) go into the plan as Limit
      preconditions, checked on the content that write replaces, so concurrent adds can
      never exceed them.
    """
    draft = _draft(schema, body)
    if draft.problems:
        raise unprocessable(draft.problems)
    return Plan(tuple(draft.operations), preconditions=Preconditions(limits=tuple(draft.limits)))


def new_content(schema: ObjectSchema, body: dict[str, Any]) -> dict[str, Any]:
    """The content of a new record: arrays for multi-value fields (an `add` counts as one)."""
    draft = _draft(schema, body)
    if draft.problems:
        raise unprocessable(draft.problems)
    content: dict[str, Any] = {
        objectschema.OWNER: [],
        objectschema.FOLLOWERS: [],
        objectschema.PROPERTIES: {},
    }
    for op in draft.operations:
        if isinstance(op, Set | Add):
            value = op.value if isinstance(op, Set) else list(op.values)
            target = content if len(op.path) == 1 else content[objectschema.PROPERTIES]
            target[op.path[-1]] = value
    return content


def exceeded_limits(plan: Plan, content: Any) -> list[str]:
    """Which limits of `plan` the record's current content would break (to word a refusal
    the engine made atomically; the content is read after the fact, only for the message)."""
    problems = []
    for limit in plan.preconditions.limits:
        found, current = value_at(content, limit.path)
        values = list(current) if found and isinstance(current, list) else []
        for op in plan.operations:
            if isinstance(op, Remove) and op.path == limit.path:
                values = [v for v in values if v not in op.values]
        for op in plan.operations:
            if isinstance(op, Add) and op.path == limit.path:
                values += [v for v in op.values if v not in values]
        if len(values) > limit.max_items:
            name = ".".join(limit.path)
            problems.append(messages.MAX_ITEMS.format(name=name, limit=limit.max_items))
    return problems
