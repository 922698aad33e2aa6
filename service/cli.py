"""`python -m service admin ...`: provisioning from a shell, through the same store code."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from service.app import default_dialects, embedded_storage
from service.config import Settings
from service.core.origins import normalize_origin
from service.errors import RecordHubError
from service.store import projects
from service.store.api import Store
from service.store.client import connect
from service.store.embedded import EmbeddedDatabase, running_embedded_uri
from service.web.admin import created_view
from service.web.dialect import Dialect


def _origins(text: str) -> frozenset[str]:
    return frozenset(normalize_origin(part) for part in text.split(",") if part.strip())


def _flag(text: str) -> bool:
    if text.lower() in {"true", "yes", "1"}:
        return True
    if text.lower() in {"false", "no", "0"}:
        return False
    raise argparse.ArgumentTypeError("expected true or false")


def build_parser(dialects: Sequence[Dialect] = ()) -> argparse.ArgumentParser:
    """The admin commands: the core's, then those the dialects add. Each sets `run`, the
    coroutine (args, store) -> JSON-able answer that carries it out."""
    parser = argparse.ArgumentParser(prog="python -m service admin")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-project", help="create a project and print its keys once")
    create.add_argument("name")
    create.add_argument("--plan", choices=projects.PLANS, default="pro")
    create.add_argument(
        "--origins", type=_origins, default=frozenset(), help="comma-separated allowed origins"
    )
    create.add_argument("--disallow-no-origin", action="store_true")
    create.set_defaults(run=_create_project)
    get = sub.add_parser("get-project", help="show a project (no secrets)")
    get.add_argument("id")
    get.set_defaults(run=_get_project)
    patch = sub.add_parser("update-project", help="change plan, origins or no-origin policy")
    patch.add_argument("id")
    patch.add_argument("--plan", choices=projects.PLANS)
    patch.add_argument("--origins", type=_origins, help="comma-separated; '' clears the list")
    patch.add_argument("--disallow-no-origin", type=_flag)
    patch.set_defaults(run=_update_project)
    delete = sub.add_parser("delete-project", help="delete a project and all its data")
    delete.add_argument("id")
    delete.set_defaults(run=_delete_project)
    rotate = sub.add_parser("rotate-key", help="replace the API or master key")
    rotate.add_argument("id")
    rotate.add_argument("which", choices=tuple(projects.KEY_KINDS))
    rotate.set_defaults(run=_rotate_key)
    user = sub.add_parser("create-user", help="add a login (password read from stdin/tty)")
    user.add_argument("id")
    user.add_argument("email")
    user.add_argument("--username")
    user.set_defaults(run=_create_user)
    for dialect in dialects:
        dialect.add_commands(sub)
    return parser


@asynccontextmanager
async def _store(settings: Settings) -> AsyncIterator[Store]:
    """MONGODB_URI, else the running service's embedded database, else a temporary one."""
    server = None
    uri = settings.mongodb_uri or running_embedded_uri(embedded_storage(settings))
    if uri is None:
        server = EmbeddedDatabase(storage=embedded_storage(settings))
        uri = await server.start_async()
    connection = connect(uri, settings.mongodb_db, timeout_ms=settings.db_timeout_ms)
    try:
        store = Store(connection.database, key_cache_seconds=0)
        await store.ensure_indexes()
        yield store
    finally:
        await connection.close()
        if server is not None:
            await server.stop_async()


async def _create_project(args: argparse.Namespace, store: Store) -> Any:
    project, keys = await store.projects.create(
        name=args.name,
        plan=args.plan,
        allowed_origins=args.origins,
        disallow_no_origin=args.disallow_no_origin,
    )
    return created_view(project, keys)


async def _get_project(args: argparse.Namespace, store: Store) -> Any:
    return (await store.projects.get(args.id)).public()


async def _update_project(args: argparse.Namespace, store: Store) -> Any:
    project = await store.projects.update(
        args.id,
        plan=args.plan,
        allowed_origins=args.origins,
        disallow_no_origin=args.disallow_no_origin,
    )
    return project.public()


async def _delete_project(args: argparse.Namespace, store: Store) -> Any:
    await store.projects.delete(args.id)
    return {"id": args.id, "deleted": True}


async def _rotate_key(args: argparse.Namespace, store: Store) -> Any:
    return {args.which: await store.projects.rotate_key(args.id, args.which)}


async def _create_user(args: argparse.Namespace, store: Store) -> Any:
    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else (getpass.getpass("password: "))
    )
    return await store.users.create(
        args.id, email=args.email, password=password, username=args.username
    )


async def _run(args: argparse.Namespace, settings: Settings, dialects: Sequence[Dialect]) -> Any:
    async with _store(settings) as store:
        for dialect in dialects:
            await dialect.ensure_indexes(store)
        return await args.run(args, store)


def main(argv: list[str], settings: Settings) -> int:
    dialects = default_dialects(settings)
    args = build_parser(dialects).parse_args(argv)
    try:
        result = asyncio.run(_run(args, settings, dialects))
    except RecordHubError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 1
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0
