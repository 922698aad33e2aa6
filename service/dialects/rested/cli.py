"""`python -m service admin` commands for rested endpoints, through the same code as the
admin API (service.dialects.rested.endpoints)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from service.dialects.rested import endpoints
from service.store.api import Store

# Command-line flag -> the endpoint's flag.
_FLAGS = {
    "secure": "secure",
    "authentication": "authentication",
    "others_can_read": "othersCanRead",
    "others_can_update": "othersCanUpdate",
    "others_can_delete": "othersCanDelete",
}
_HELP = {
    "secure": "records need a logged-in user and belong to their creator",
    "authentication": "the endpoint holds users (register, login); implies --secure",
    "others_can_read": "other logged-in users may read a user's records",
    "others_can_update": "other logged-in users may update a user's records",
    "others_can_delete": "other logged-in users may delete a user's records",
}


def _option(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _flags(args: argparse.Namespace) -> dict[str, bool]:
    return {
        name: value
        for dest, name in _FLAGS.items()
        if (value := getattr(args, dest, None)) is not None
    }


async def _create(args: argparse.Namespace, store: Store) -> Any:
    flags = {name: value for name, value in _flags(args).items() if value}
    return (await endpoints.create_endpoint(store, args.project, args.name, flags)).public()


async def _list(args: argparse.Namespace, store: Store) -> Any:
    return [found.public() for found in await endpoints.list_endpoints(store, args.project)]


async def _get(args: argparse.Namespace, store: Store) -> Any:
    return (await endpoints.get_endpoint(store, args.project, args.name)).public()


async def _update(args: argparse.Namespace, store: Store) -> Any:
    changed = await endpoints.update_endpoint(store, args.project, args.name, _flags(args))
    return changed.public()


async def _delete(args: argparse.Namespace, store: Store) -> Any:
    deleted = await endpoints.delete_endpoint(store, args.project, args.name)
    return {"name": deleted.name, "deleted": True}


COMMANDS: dict[str, Callable[[argparse.Namespace, Store], Awaitable[Any]]] = {
    "create-endpoint": _create,
    "list-endpoints": _list,
    "get-endpoint": _get,
    "update-endpoint": _update,
    "delete-endpoint": _delete,
}


def add_commands(subparsers: Any) -> None:
    """Add rested's commands to `python -m service admin`'s subparsers; each sets `run`."""
    create = subparsers.add_parser("create-endpoint", help="define a rested endpoint")
    create.add_argument("project")
    create.add_argument("name")
    for dest, text in _HELP.items():
        create.add_argument(_option(dest), dest=dest, action="store_true", help=text)
    listing = subparsers.add_parser("list-endpoints", help="list a project's rested endpoints")
    listing.add_argument("project")
    parsers = {"create-endpoint": create, "list-endpoints": listing}
    for command, text in (
        ("get-endpoint", "show a rested endpoint"),
        ("update-endpoint", "change a rested endpoint's flags"),
        ("delete-endpoint", "delete a rested endpoint, its records and users"),
    ):
        parsers[command] = one = subparsers.add_parser(command, help=text)
        one.add_argument("project")
        one.add_argument("name")
    for dest, text in _HELP.items():
        if dest != "authentication":  # fixed at creation
            parsers["update-endpoint"].add_argument(
                _option(dest), dest=dest, action=argparse.BooleanOptionalAction, help=text
            )
    for command, parser in parsers.items():
        parser.set_defaults(run=COMMANDS[command])


async def run(args: argparse.Namespace, store: Store) -> Any | None:
    """The command's result as JSON-ready data; None when the command is not rested's."""
    command = COMMANDS.get(getattr(args, "command", None) or "")
    return None if command is None else await command(args, store)
