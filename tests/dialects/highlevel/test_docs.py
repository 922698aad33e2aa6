"""The OpenAPI docs cover every HighLevel route, with the bearer token and the error envelope."""

from service.dialects.highlevel.dialect import HighLevelDialect


def test_every_route_is_documented_with_auth_and_the_error_envelope():
    dialect = HighLevelDialect()
    routes = {(route.method, route.path) for route in dialect.routes()}
    docs = dialect.docs()
    assert set(docs) == routes
    for doc in docs.values():
        assert doc.security and doc.error is not None
        assert [param.name for param in doc.headers] == ["Version"]
        assert doc.responses
