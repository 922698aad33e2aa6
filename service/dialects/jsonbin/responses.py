"""Marshmallow schemas of JSONBin's response bodies, as the OpenAPI document shows them.

Render.py and the handlers build these bodies; schemas left at marshmallow's default
`unknown=RAISE` come out with `additionalProperties: false`, as strict as JSONBin's clients.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from service.dialects.jsonbin.schemas import AccessKeyPermissionsSchema


class JsonBinErrorSchema(Schema):
    message = fields.String(required=True)


class JsonBinCreatedMetaSchema(Schema):
    id = fields.String(required=True)
    createdAt = fields.DateTime(required=True)
    private = fields.Boolean(required=True)
    name = fields.String()
    collectionId = fields.String()


class JsonBinCreatedSchema(Schema):
    record = fields.Raw(required=True)
    metadata = fields.Nested(JsonBinCreatedMetaSchema, required=True)


class JsonBinUpdatedMetaSchema(Schema):
    parentId = fields.String(required=True)
    private = fields.Boolean(required=True)
    version = fields.Integer(metadata={"description": "Present when this write kept a version"})


class JsonBinUpdatedSchema(Schema):
    record = fields.Raw(required=True)
    metadata = fields.Nested(JsonBinUpdatedMetaSchema, required=True)


class JsonBinCountMetaSchema(Schema):
    id = fields.String(required=True)
    versionCount = fields.Integer(required=True)
    private = fields.Boolean(required=True)


class JsonBinCountSchema(Schema):
    metadata = fields.Nested(JsonBinCountMetaSchema, required=True)


class JsonBinDeletedMetaSchema(Schema):
    id = fields.String(required=True)
    versionsDeleted = fields.Integer(required=True)


class JsonBinDeletedSchema(Schema):
    message = fields.String(required=True)
    metadata = fields.Nested(JsonBinDeletedMetaSchema, metadata={"description": "Absent when none"})


class JsonBinNameMetaSchema(Schema):
    name = fields.String(required=True)


class JsonBinRenamedSchema(Schema):
    record = fields.String(required=True, metadata={"description": "The id of what was renamed"})
    metadata = fields.Nested(JsonBinNameMetaSchema, required=True)


class JsonBinPrivacyMetaSchema(Schema):
    private = fields.Boolean(required=True)


class JsonBinPrivacySchema(Schema):
    record = fields.String(required=True)
    metadata = fields.Nested(JsonBinPrivacyMetaSchema, required=True)


class JsonBinNamedMetaSchema(Schema):
    name = fields.String(required=True)
    createdAt = fields.DateTime(required=True)


class JsonBinCollectionCreatedSchema(Schema):
    record = fields.String(required=True)
    metadata = fields.Nested(JsonBinNamedMetaSchema, required=True)


class JsonBinCollectionSchema(Schema):
    record = fields.String(required=True)
    collectionMeta = fields.Nested(JsonBinNameMetaSchema, required=True)
    createdAt = fields.DateTime(required=True)


class JsonBinSnippetMetaSchema(Schema):
    name = fields.String()


class JsonBinListedBinSchema(Schema):
    record = fields.String(required=True)
    private = fields.Boolean(required=True)
    snippetMeta = fields.Nested(JsonBinSnippetMetaSchema, required=True)
    createdAt = fields.DateTime(required=True)


class JsonBinIdMetaSchema(Schema):
    id = fields.String(required=True)
    createdAt = fields.DateTime(required=True)


class JsonBinSchemaAttachedSchema(Schema):
    collectionName = fields.String(required=True)
    schemaDocId = fields.String(required=True)
    metadata = fields.Nested(JsonBinIdMetaSchema, required=True)


class JsonBinSchemaDetachedSchema(Schema):
    collectionName = fields.String(required=True)
    metadata = fields.Nested(JsonBinIdMetaSchema, required=True)


class JsonBinSchemaDocMetaSchema(JsonBinIdMetaSchema):
    name = fields.String(required=True)


class JsonBinSchemaDocSchema(Schema):
    record = fields.Raw(required=True, metadata={"description": "The JSON Schema"})
    metadata = fields.Nested(JsonBinSchemaDocMetaSchema, required=True)


class JsonBinAccessKeySchema(Schema):
    accessKey = fields.String(
        required=True, metadata={"description": "The key (in listings: its first characters)"}
    )
    accessKeyId = fields.String(required=True)
    keyPermissions = fields.Nested(AccessKeyPermissionsSchema, required=True)
    metadata = fields.Nested(JsonBinNameMetaSchema, required=True)


class JsonBinKeyDeletedMetaSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class JsonBinKeyDeletedSchema(Schema):
    message = fields.String(required=True)
    metadata = fields.Nested(JsonBinKeyDeletedMetaSchema, required=True)
