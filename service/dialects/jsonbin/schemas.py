"""Marshmallow schemas of JSONBin request bodies that have a fixed shape."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from service.web.fields import StrictBoolean


class BinPermissionsSchema(Schema):
    class Meta:
        unknown = RAISE

    create = StrictBoolean(load_default=False)
    read = StrictBoolean(load_default=False)
    update = StrictBoolean(load_default=False)
    delete = StrictBoolean(load_default=False)


class AccessKeyPermissionsSchema(Schema):
    """`POST /v3/a` body: `{"bins": {"read": true, "update": false, ...}}`."""

    class Meta:
        unknown = RAISE

    bins = fields.Nested(BinPermissionsSchema, required=True)
