"""`/v3/b`: create, read, update (the seed), delete bins and their versions and meta."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from bson import ObjectId

from service.dialects.jsonbin import auth, binrecords, headers, jsonpaths, messages, render
from service.dialects.jsonbin.binaccess import (
    bin_id_of,
    bin_of,
    owned_bin,
    owner_of,
    readable_bin,
)
from service.dialects.jsonbin.collections import cached_collection, forget_collection
from service.dialects.jsonbin.plans import affordable, charge, check_size, count_served
from service.dialects.jsonbin.schemadocs import cached_schema
from service.dialects.jsonbin.settings import holds_bins
from service.dialects.jsonbin.validation import validate_record
from service.errors import (
    Conflict,
    DefinitionChanged,
    Forbidden,
    Invalid,
    NotFound,
    RecordHubError,
    Unauthorized,
)
from service.store.locks import contended, overloaded
from service.store.projects import Project
from service.web.appkeys import SETTINGS, STORE
from service.web.body import parse_json, read_body, without_bom
from service.web.principal import principal

_BLANK_KINDS = (dict, list, str, type(None))
_SCHEMA_ATTEMPTS = 5  # creates that find the collection's schema changed meanwhile
_META_ATTEMPTS = 3  # metadata changes that find the bin moved or deleted meanwhile


async def _record_body(request: web.Request) -> tuple[Any, bytes]:
    """The JSON body, parsed and raw; 400 "Bin cannot be blank" for nothing worth storing."""
    raw = await read_body(request, request.app[SETTINGS].max_body_bytes)
    if not raw.strip():
        raise Invalid(messages.BIN_BLANK)
    record = parse_json(raw)
    if not record and type(record) in _BLANK_KINDS:  # {}, [], "" or null; not 0 or false
        raise Invalid(messages.BIN_BLANK)
    return record, without_bom(raw)  # strict UTF-8, as the answer echoes it


async def _validate_schema(
    request: web.Request, project_id: str, schema_id: str | None, record: Any
) -> None:
    if schema_id is not None:
        validate_record(await cached_schema(request, project_id, schema_id), record)


async def create_bin(request: web.Request) -> web.Response:
    headers.require_json(request)
    project = auth.require_grant(
        await principal(request),
        "create",
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    await charge(request, project)
    private = bool(headers.flag(request, "X-Bin-Private", True))
    name = headers.optional_bin_name(request)
    collection = await _target_collection(request, project.id)
    record, raw = await _record_body(request)
    check_size(project, record, len(raw), free_message=messages.FREE_CREATE_SIZE)
    for _ in range(_SCHEMA_ATTEMPTS - 1):
        try:
            return await _insert_bin(request, project.id, collection, record, raw, private, name)
        except DefinitionChanged:
            # A schema was attached or detached meanwhile (our copy was stale): load it again.
            if collection is not None:
                forget_collection(request, project.id, collection["_id"])
            collection = await _target_collection(request, project.id)
    return await _insert_bin(request, project.id, collection, record, raw, private, name)


async def _target_collection(request: web.Request, project_id: str) -> dict[str, Any] | None:
    if "X-Collection-Id" not in request.headers:
        return None
    return await cached_collection(
        request,
        project_id,
        request.headers["X-Collection-Id"].strip(),
        foreign=messages.COLLECTION_FOREIGN,
    )


async def _insert_bin(
    request: web.Request,
    project_id: str,
    collection: dict[str, Any] | None,
    record: Any,
    raw: bytes,
    private: bool,
    name: str | None,
) -> web.Response:
    """Validate against the collection's schema and insert, on condition (checked by the
    store) that the collection still has that schema."""
    schema_id = collection.get("schemaDocId") if collection else None
    await _validate_schema(request, project_id, schema_id, record)
    doc = await binrecords.create_bin(
        request.app[STORE],
        project=project_id,
        bin_id=str(ObjectId()),
        record=record,
        private=private,
        name=name,
        collection_id=collection["_id"] if collection else None,
        schema_id=schema_id,
        hold=holds_bins(request),
    )
    return render.created(raw, doc)


def _extract(request: web.Request, record: Any) -> Any:
    path = request.headers.get("X-JSON-Path") or request.headers.get("X-Dot-Path")
    if not path:
        return record
    return jsonpaths.select(path, record)


def _wants_meta(request: web.Request) -> bool:
    if request.query.get("meta", "").lower() == "false":
        return False
    return headers.flag(request, "X-Bin-Meta", True) is not False


def _read_answer(request: web.Request, doc: dict[str, Any], record: Any) -> web.Response:
    record = _extract(request, record)
    if not _wants_meta(request):
        return web.json_response(record)
    return web.json_response(render.bin_read(doc, record))


async def read_bin(request: web.Request) -> web.Response:
    doc = await readable_bin(
        request, missing=messages.MASTER_KEY_MISSING_READ, invalid=messages.MASTER_KEY_INVALID_READ
    )
    return _read_answer(request, doc, doc["record"])


async def read_version(request: web.Request) -> web.Response:
    text = request.match_info["version"]
    # ASCII digits within int64 (19 digits at most: int() refuses over 4300 by itself).
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 1 <= int(text) < 2**63:
        raise Invalid(messages.BAD_VERSION)
    doc = await readable_bin(
        request, missing=messages.MASTER_KEY_MISSING_READ, invalid=messages.MASTER_KEY_INVALID_READ
    )
    found, record = await binrecords.read_version(request.app[STORE], doc, int(text))
    if not found:
        raise NotFound(messages.BIN_VERSION_NOT_FOUND)
    return _read_answer(request, doc, record)


async def count_versions(request: web.Request) -> web.Response:
    doc = await readable_bin(
        request,
        missing=messages.MASTER_KEY_MISSING_COUNT,
        invalid=messages.MASTER_KEY_INVALID_READ,
    )
    count = doc["version"]  # the live record counts its versions
    return web.json_response(
        {"metadata": {"id": doc["_id"], "versionCount": count, "private": doc["private"]}}
    )


async def update_bin(request: web.Request) -> web.Response:
    """The seed: replace the whole record; versioning per the bin's privacy and the header."""
    headers.require_json(request)
    bin_id = bin_id_of(request)
    who = await principal(request)
    versioning = headers.flag(request, "X-Bin-Versioning")
    record, raw = await _record_body(request)
    caller: Project | None = None
    if who.via is not None:
        caller = auth.require_grant(
            who,
            "update",
            missing=messages.MASTER_KEY_MISSING_UPDATE,
            invalid=messages.MASTER_KEY_INVALID_UPDATE,
        )
        # The common case, one round trip: a private, schema-less bin of the caller's, so
        # the caller is its owner; anything else is judged by the owner on the general path.
        if (
            not versioning
            and affordable(request, caller, record, len(raw))
            and await binrecords.replace_private(
                request.app[STORE],
                bin_id=bin_id,
                project=caller.id,
                record=record,
                held=holds_bins(request),
            )
        ):
            await count_served(request, caller)
            return render.updated(raw, bin_id, private=True, version=None)
    return await request.app[STORE].records.settle(
        binrecords.scope_of(binrecords.ANY_OWNER),
        bin_id,
        lambda: _update_slow_path(request, bin_id, caller, versioning, record, raw),
    )


async def _update_slow_path(
    request: web.Request,
    bin_id: str,
    caller: Project | None,
    versioning: bool | None,
    record: Any,
    raw: bytes,
) -> web.Response:
    """One attempt: read the bin, then decide by its owner's rules who may write, whether
    to version and which schema applies, and write once (Records.settle retries)."""
    store = request.app[STORE]
    viewer = None if caller is None else caller.id
    doc = await binrecords.find_bin(store, bin_id, viewer, to_write=True)
    if doc is None:
        raise NotFound(messages.BIN_NOT_FOUND)
    owned = caller is not None and caller.id == doc["project"]
    if doc["private"] and caller is None:
        raise Unauthorized(messages.MASTER_KEY_MISSING_UPDATE)
    if doc["private"] and not owned:
        raise Unauthorized(messages.MASTER_KEY_INVALID_UPDATE)
    if owned and not doc["held"] and binrecords.holdable(doc) and holds_bins(request):
        # Held, its owner's next writes are the hot path's; this one reads it again.
        await binrecords.hold_bin(store, doc)
        raise contended()
    owner = await owner_of(request, doc, caller, gone=messages.BIN_NOT_FOUND)
    await charge(request, owner)
    check_size(owner, record, len(raw), free_message=messages.FREE_UPDATE_SIZE)
    if versioning and owner.plan == "free":
        raise Forbidden(messages.FREE_VERSIONING)
    try:
        await _validate_schema(request, owner.id, doc.get("schemaDocId"), record)
    except RecordHubError:
        if doc.get("remembered"):  # its schema may have gone since: decide from a read
            raise contended() from None
        raise
    # Public bins are versioned unless their owner says otherwise with the master key;
    # versioning is a Pro feature, so a Free owner's public bin is written unversioned.
    wants_version = bool(versioning) or (not doc["private"] and not (owned and versioning is False))
    if wants_version and owner.plan != "free":
        version = await binrecords.replace_versioned(store, doc=doc, record=record)
        return render.updated(raw, bin_id, private=doc["private"], version=version)
    await binrecords.replace_unversioned(store, doc=doc, record=record)
    return render.updated(raw, bin_id, private=doc["private"], version=None)


async def delete_bin(request: web.Request) -> web.Response:
    doc = await owned_bin(request, "delete")
    scope = binrecords.scope_holding(doc)
    deleted = await request.app[STORE].records.delete_with_versions(scope, doc["_id"])
    return web.json_response(
        render.message(messages.BIN_DELETED, id=doc["_id"], versionsDeleted=deleted)
    )


async def delete_versions(request: web.Request) -> web.Response:
    doc = await owned_bin(request, "delete")
    preserve = bool(headers.flag(request, "X-Preserve-Latest", False))
    deleted = await request.app[STORE].records.delete_versions(
        binrecords.scope_holding(doc), doc["_id"], keep_latest=preserve
    )
    if deleted == 0:
        return web.json_response(render.message(messages.NO_VERSIONS))
    text = messages.VERSIONS_DELETED_PRESERVED if preserve else messages.VERSIONS_DELETED
    return web.json_response(render.message(text, id=doc["_id"], versionsDeleted=deleted))


async def rename_bin(request: web.Request) -> web.Response:
    doc = await owned_bin(request, "update")
    name = headers.optional_bin_name(request)
    if name is None:
        raise Invalid(messages.BIN_NAME)
    await _change_meta(request, doc, {"name": name})
    return web.json_response(render.meta_changed(doc["_id"], name=name))


async def set_privacy(request: web.Request) -> web.Response:
    doc = await owned_bin(request, "update")
    private = headers.flag(request, "X-Bin-Private")
    if private is None:
        raise Invalid(messages.BAD_BOOLEAN_HEADER.format(header="X-Bin-Private"))
    await _change_meta(request, doc, {"private": private})
    return web.json_response(render.meta_changed(doc["_id"], private=private))


async def _change_meta(request: web.Request, doc: dict[str, Any], changes: dict[str, Any]) -> None:
    """Change the metadata of the caller's bin `doc`; read it again when it moved (or went)
    meanwhile."""
    store = request.app[STORE]
    for _ in range(_META_ATTEMPTS):
        try:
            await binrecords.set_meta(store, doc, changes, hold=holds_bins(request))
            return
        except Conflict:
            doc = await bin_of(store, doc["_id"], doc["project"])
    raise overloaded("the bin kept moving; try again")
