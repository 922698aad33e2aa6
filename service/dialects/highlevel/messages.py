"""The exact strings of HighLevel's API (spec and public docs; `[ours]` marks invented ones)."""

VERSION_MISSING = "Version header was not found"
INVALID_TOKEN = "Invalid token: access token is invalid"
LOCATION_FORBIDDEN = "The token does not have access to this location"
LOCATION_MISSING = "locationId should not be empty"
RECORD_NOT_FOUND = "Record not found"
OBJECT_NOT_FOUND = "Custom object not found"  # [ours]
FIELD_NOT_FOUND = "Custom field not found"  # [ours]
OBJECT_EXISTS = "A custom object with this key already exists"  # [ours]
FIELD_EXISTS = "A custom field with this key already exists"  # [ours]
TOO_MANY_REQUESTS = "Too Many Requests"  # [ours]
INTERNAL = "Internal server error"
UNAVAILABLE = "Service Unavailable"  # [ours]
CONTENDED = "The record kept changing, try again"  # [ours]
CANNOT_ROUTE = "Cannot {method} {path}"  # NestJS's answer for an unknown route
BODY_NOT_OBJECT = "request body must be an object"  # [ours]

# 422 `message` entries; `{name}` is the field path as the client wrote it.
SHOULD_NOT_EXIST = "property {name} should not exist"
SHOULD_NOT_BE_EMPTY = "{name} should not be empty"
MUST_BE_STRING = "{name} must be a string"
MUST_BE_BOOLEAN = "{name} must be a boolean value"
MUST_BE_INTEGER = "{name} must be an integer number"
MUST_BE_OBJECT = "{name} must be an object"
MUST_BE_ARRAY = "{name} must be an array"
MUST_NOT_BE_NULL = "{name} should not be null"
MUST_BE_ONE_OF = "{name} must be one of the following values: {choices}"
INVALID_VALUE = "{name} has an invalid value: {detail}"  # [ours] marshmallow's other wordings

# Record properties, per field type (the seed's rules; wording [ours] in class-validator style).
MUST_BE_NUMBER = "{name} must be a number"
MUST_BE_PHONE = "{name} must be a phone number with + and the country code, without a leading 0"
MUST_BE_MONEY = '{name} must be an object {{"currency": string, "value": number}}'
MUST_BE_OPTION = "{name} must be a valid option key"
MUST_BE_DATE = "{name} must be a valid date in the format YYYY-MM-DD"
MUST_BE_ADD_REMOVE = '{name} must be an object {{"add": [...], "remove": [...]}} or an array'
MUST_BE_FILE = '{name} must hold file objects {{"url": "http(s)://..."}}'
FILE_FORMAT = "{name} accepts only these file formats: {formats}"
MAX_ITEMS = "{name} must contain no more than {limit} elements"
TEXTBOX_PER_OPTION = "{name} must be set per option, as {key}.<option key>"
OWNER_TWICE = "owner and owners cannot both be given"  # [ours]
USER_IDS = "each value in {name} must be a non-empty string"

# Custom objects and fields (wording [ours]).
KEY_SHAPE = "{name} must be lowercase letters, digits and underscores"
KEY_OTHER_OBJECT = "{name} must belong to the object {object_key}"
OPTIONS_REQUIRED = "options should not be empty for a {data_type} field"
OPTIONS_NOT_ALLOWED = (
    "options are only valid for SINGLE_OPTIONS, MULTIPLE_OPTIONS, RADIO, CHECKBOX and "
    "TEXTBOX_LIST fields"
)
OPTION_KEYS_UNIQUE = "options must have unique keys"
OPTION_KEY_SHAPE = "options.{index}.key must be a non-empty string without '.'"
OPTION_URL_RADIO = "options.{index}.url is only valid for RADIO fields"
OPTIONS_KEPT = "options cannot be removed: include every existing option ({missing})"
ONLY_FOR = "{name} is only valid for {data_type} fields"
FORMATS = "acceptedFormats must be 'all' or among: {formats}"
UNCHANGEABLE = "{name} cannot be changed"
PRIMARY_KEPT = "the primary display property cannot be deleted"
NOT_A_FIELD = "searchableProperties: {key} is not a field of {object_key}"
NOT_SEARCHABLE = "searchableProperties: {key} of type {data_type} cannot be searched"
QUERY_FIELD = "query: {field} is not a searchable property of {object_key}"
SEARCH_AFTER = "searchAfter must be the [timestamp, id] pair of a search result"
