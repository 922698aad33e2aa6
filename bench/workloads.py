"""What the HTTP benchmark measures: each workload's request, and the calls that make it on
the floor and on every RecordHub target, from what each was given (bench/targets.py).

A workload lists only the targets it applies to: a RecordHub target given nothing for it
(the rested PUTs on a baseline from before the rested dialect) is left out of its calls,
and the reports show "n/a" in its place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.targets import HL_OBJECT, JSON, REST_ENDPOINT, SMALL, Provisioned

HL_UPDATE = json.dumps(
    {
        "followers": {"add": ["user_b"], "remove": ["user_a"]},
        "owner": {"add": ["user_o"], "remove": []},
        "properties": {
            "section_of_app": {"add": ["option_3"], "remove": ["option_1"]},
            "customer_number": 1424,
            "ticket_name": "Customer not able to login",
            "notes": "called twice",
        },
    }
)
# The rested PUTs (name, query, the floor's ops): the seed's strategies, and force without
# the read-back, as `dataOnly=true` answers the body itself.
RESTED = (
    ("force", "strategy=force", "2 ops (update_one + find_one)"),
    ("merge", "strategy=merge", "2 ops (update_one of dotted `data.k` paths + find_one)"),
    ("replace", "strategy=replace", "2 ops (update_one, the kind check in its filter, + find_one)"),
    ("force dataOnly", "strategy=force&dataOnly=true", "1 op (update_one; the answer is the body)"),
)

Call = tuple[list[str], dict[str, str]]  # one target's URL paths (one per worker), headers


@dataclass
class Workload:
    name: str
    method: str
    body: str | None
    floor_ops: str
    # By target name: each RecordHub target has its own keys and ids, the floor neither.
    calls: dict[str, Call]
    notes: str = ""
    # The target, when the workload has one: RecordHub's CPU/request at c=1 at most this
    # many times the floor's.
    floor_cpu: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def workloads(given: dict[str, Provisioned]) -> list[Workload]:
    """The workloads, with the calls of the floor and of every RecordHub target in `given`."""
    ids = given["recordhub"]  # the floor's records carry RecordHub's ids (prepare_floor)

    def calls(floor_paths: list[str], service: Callable[[Provisioned], Call]) -> dict[str, Call]:
        served = {name: service(p) for name, p in given.items()}
        # A target given no ids for the workload (no rested dialect at its revision) is out.
        return {"floor": (floor_paths, {}), **{n: c for n, c in served.items() if c[0]}}

    def bins(p: Provisioned, suffix: str = "") -> list[str]:
        return [f"/v3/b/{b}{suffix}" for b in p.bins]

    def hl_records(p: Provisioned) -> list[str]:
        return [f"/objects/{HL_OBJECT}/records/{r}?locationId={p.location}" for r in p.hl_records]

    def rested(query: str) -> dict[str, Call]:
        def service(p: Provisioned) -> Call:
            path = f"/api/1/ce/{REST_ENDPOINT}?key={p.api_key}&{query}&uniqueId="
            return [path + r for r in p.rested_records], JSON

        return calls([f"/rested/{r}?{query}" for r in ids.rested_records], service)

    puts = [f"/one/{b}" for b in ids.bins]
    return [
        Workload(
            "JSONBin PUT unversioned",
            "PUT",
            SMALL,
            "1 op",
            calls(puts, lambda p: (bins(p), p.keys)),
            floor_cpu=1.3,
        ),
        Workload(
            "JSONBin PUT versioned",
            "PUT",
            SMALL,
            "2 ops (find_one, then one update command: the old content upserted as a version "
            "and the record replaced if unchanged)",
            calls(
                [f"/versioned/{b}" for b in ids.bins],
                lambda p: (bins(p), {**p.keys, "X-Bin-Versioning": "true"}),
            ),
            "the floor does the same logical update (#15); RecordHub's is a read, then the "
            "claim of the version slot and the swap in one command, or (each worker's bin "
            "written by this replica alone) that command alone from the remembered bin",
        ),
        Workload(
            "HighLevel update",
            "PUT",
            HL_UPDATE,
            "2 ops (update_one + find_one)",
            calls([f"/two/{r}" for r in ids.hl_records], lambda p: (hl_records(p), p.hl_headers)),
            "add/remove on two multi-value fields and three scalar properties; RecordHub's "
            "is the read and the guarded write, or the write alone from the remembered record",
            floor_cpu=1.3,
        ),
        Workload(
            "JSONBin GET latest",
            "GET",
            None,
            "1 op (find_one)",
            calls(
                [f"/read/{b}" for b in ids.bins],
                lambda p: (bins(p, "/latest"), {"X-Master-Key": p.keys["X-Master-Key"]}),
            ),
        ),
        *(
            Workload(
                f"rested PUT {name}",
                "PUT",
                SMALL,
                ops,
                rested(query),
                "one record per worker on an open endpoint; the target is #14's",
                floor_cpu=1.3,
            )
            for name, query, ops in RESTED
        ),
    ]
