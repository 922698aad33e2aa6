"""`python -m service admin ...`: provisioning from a shell, through the same store code."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from service.app import embedded_storage
from service.config import Settings
from service.core.origins import normalize_origin
from service.errors import RecordHubError
from service.store import projects
from service.store.api import Store
from service.store.client import connect
from service.store.embedded import EmbeddedDatabase, running_embedded_uri
from service.web.admin import created_view


def _origins(text: str) -> frozenset[str]:
    return frozenset(normalize_origin(part) for part in text.split(",") if part.strip())


def _flag(text: str) -> bool:
    if text.lower() in {"true", "yes", "1"}:
        return True
    if text.lower() in {"false", "no", "0"}:
        return False
    raise argparse.ArgumentTypeError("expected true or false")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service admin")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-project", help="create a project and print its keys once")
    create.add_argument("name")
    create.add_argument("--plan", choices=projects.PLANS, default="pro")
    create.add_argument(
        "--origins", type=_origins, default=frozenset(), help="comma-separated allowed origins"
    )
    create.add_argument("--disallow-no-origin", action="store_true")
    get = sub.add_parser("get-project", help="show a project (no secrets)")
    get.add_argument("id")
    patch = sub.add_parser("update-project", help="change plan, origins or no-origin policy")
    patch.add_argument("id")
    patch.add_argument("--plan", choices=projects.PLANS)
    patch.add_argument("--origins", type=_origins, help="comma-separated; '' clears the list")
    patch.add_argument("--disallow-no-origin", type=_flag)
    delete = sub.add_parser("delete-project", help="delete a project and all its data")
    delete.add_argument("id")
    rotate = sub.add_parser("rotate-key", help="replace the API or master key")
    rotate.add_argument("id")
    rotate.add_argument("which", choices=tuple(projects.KEY_KINDS))
    user = sub.add_parser("create-user", help="add a login (password read from stdin/tty)")
    user.add_argument("id")
    user.add_argument("email")
    user.add_argument("--username")
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
        connection.close()
        if server is not None:
            await server.stop_async()


async def _run(args: argparse.Namespace, settings: Settings) -> Any:
    async with _store(settings) as store:
        if args.command == "create-project":
            project, keys = await store.projects.create(
                name=args.name,
                plan=args.plan,
                allowed_origins=args.origins,
                disallow_no_origin=args.disallow_no_origin,
            )
            return created_view(project, keys)
        if args.command == "get-project":
            return (await store.projects.get(args.id)).public()
        if args.command == "update-project":
            project = await store.projects.update(
                args.id,
                plan=args.plan,
                allowed_origins=args.origins,
                disallow_no_origin=args.disallow_no_origin,
            )
            return project.public()
        if args.command == "delete-project":
            await store.projects.delete(args.id)
            return {"id": args.id, "deleted": True}
        if args.command == "rotate-key":
            return {args.which: await store.projects.rotate_key(args.id, args.which)}
        password = (
            sys.stdin.readline().rstrip("\n")
            if not sys.stdin.isatty()
            else (getpass.getpass("password: "))
        )
        return await store.users.create(
            args.id, email=args.email, password=password, username=args.username
        )


def main(argv: list[str], settings: Settings) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = asyncio.run(_run(args, settings))
    except RecordHubError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 1
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0
