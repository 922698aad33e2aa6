"""`jsonata=EXPR` on reads: applied to the shaped answer, bounded in time, 400 when bad."""

from __future__ import annotations

import pytest

from service.dialects.rested import messages
from service.dialects.rested.settings import RestedSettings
from tests.dialects.rested.conftest import refused


@pytest.fixture
def rested_settings() -> RestedSettings:
    return RestedSettings(cookie_secure=False, jsonata_timeout_ms=200)


@pytest.fixture
async def fleet(rested, cars) -> list[dict]:
    return [
        await rested.create(cars, {"make": make, "seats": seats})
        for make, seats in (("VW", 4), ("Fiat", 2), ("Volvo", 7))
    ]


async def test_an_expression_runs_on_the_array_of_envelopes(rested, cars, fleet):
    seats = await rested.ok("GET", cars, params={"jsonata": "$sum(data.seats)"})
    assert seats == 13
    makes = await rested.ok("GET", cars, params={"jsonata": "$[data.seats > 3].data.make"})
    assert makes == ["VW", "Volvo"]
    ids = await rested.ok("GET", cars, params={"jsonata": "uniqueId"})
    assert ids == [car["uniqueId"] for car in fleet]


async def test_an_expression_runs_after_data_only_and_unique_id(rested, cars, fleet):
    bare = {"dataOnly": "true", "jsonata": "$count($)"}
    assert await rested.ok("GET", cars, params=bare) == 3
    one = {"uniqueId": fleet[0]["uniqueId"], "jsonata": "data.make & ' ' & $string(data.seats)"}
    assert await rested.ok("GET", cars, params=one) == "VW 4"
    regex = {"dataOnly": "true", "jsonata": "$[$contains(make, /^v/i)].make"}
    assert await rested.ok("GET", cars, params=regex) == ["VW", "Volvo"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("data[", None),
        ("$nosuchfunction(1)", None),
        ("$sum", messages.JSONATA_RESULT),  # a function is no JSON value
        ("($f := function($x){ $f($x + 1) }; $f(0))", messages.JSONATA_TIMEOUT),
        ("$match('aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /(a+)+$/)", None),  # RE2: no backtracking
    ],
)
async def test_a_bad_or_slow_expression_is_a_400(rested, cars, fleet, expression, message):
    response = await rested.call("GET", cars, params={"jsonata": expression})
    if expression.startswith("$match"):
        assert response.status == 200  # answered at once, without catastrophic backtracking
        return
    text = await refused(response, 400, message)
    if message is None:
        assert text.startswith("The jsonata expression is not valid")


async def test_an_undefined_result_is_null(rested, cars, fleet):
    assert await rested.ok("GET", cars, params={"jsonata": "nothing.here"}) is None
