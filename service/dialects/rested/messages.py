"""The exact strings of rested.dev's API (the seed and public docs; `[ours]` marks invented
ones, where the docs give a reason but no wording)."""

# The seed's reasons, word for word (`orign` is the service's own typo).
INVALID_KEY = "Endpoint or API Key not valid."
WRONG_CONTENT_TYPE = 'Wrong Content-Type, it only accepts "text/plain" or "application/json".'
EMPTY_BODY = "Empty Request body."
UNIQUE_ID_MISSING = "uniqueId is not present in the URL."
NO_RECORD = "No record was found."
FORBIDDEN = "Missing API Key, not allowed origin or disallowed request without orign."

# [ours]: the docs name these conditions without their text.
JSON_ONLY = 'Wrong Content-Type, it only accepts "application/json".'
TOKEN_INVALID = "The access token is missing or not valid."
NOT_OWNER = "This record belongs to another user."
STRATEGY = 'strategy must be "force", "merge" or "replace".'
ONE_UNIQUE_ID = "Send exactly one uniqueId."
MERGE_OBJECTS = "The merge strategy only works when both the record and the body are JSON objects."
REPLACE_KIND = "The replace strategy needs the body to be of the same type as the record."
TEXT_NOT_UTF8 = "The text/plain body is not valid UTF-8."
BODY_NOT_OBJECT = "The request body must be a JSON object."
CREDENTIALS_MISSING = "Send a username or an email, and a password."
USERNAME_OR_EMAIL = "Send a username or an email, not both."
FIELD_NOT_TEXT = "{field} must be a non-empty string."
USER_MUST_KEEP = "A user must keep a username or an email, and a password."
PASSWORD_TOO_LONG = "password must be at most {limit} characters."
WRONG_LOGIN = "Wrong username, email or password."
LOGGED_OUT = "Logged out."
LOGIN_THROTTLED = "Too many failed logins, try again later."
REGISTER_THROTTLED = "Too many registrations, try again later."
LOGIN_ELSEWHERE = "login and logout are only available on authentication endpoints."
JSONATA_INVALID = "The jsonata expression is not valid: {problem}"
JSONATA_TIMEOUT = "The jsonata expression took too long."
JSONATA_RESULT = "The jsonata expression did not give a JSON value."
BODY_TOO_LARGE = "The request body is too large."
CONTENDED = "The record kept changing, try again."
NOT_FOUND = "Not Found."
METHOD_NOT_ALLOWED = "Method Not Allowed."
INTERNAL = "Internal server error."
UNAVAILABLE = "Service Unavailable."
REQUEST_TIMEOUT = "Request Timeout."
