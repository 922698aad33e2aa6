"""The exact strings of JSONBin.io v3 (seed and public docs; `[ours]` marks invented ones)."""

CONTENT_TYPE = "You need to pass Content-Type set to application/json"
INVALID_BIN_ID = "Invalid Bin Id provided"
BIN_BLANK = "Bin cannot be blank"
BIN_NOT_FOUND = "Bin not found"
BIN_NOT_FOUND_OR_FOREIGN = "Bin not found or it doesn't belong to your account"
BIN_VERSION_NOT_FOUND = "Bin version not found"
BIN_NAME = "X-Bin-Name cannot be blank or over 128 characters"
SCHEMA_MISMATCH = "Schema Doc Validation Mismatch: {detail}"

MASTER_KEY_MISSING = "You need to pass X-Master-Key in the header"
MASTER_KEY_MISSING_READ = "You need to pass X-Master-Key in the header to read a private bin"
MASTER_KEY_MISSING_UPDATE = "You need to pass X-Master-Key in the header to update a private bin"
MASTER_KEY_MISSING_COUNT = (
    "You need to pass X-Master-Key in the header to get version count for the private bin"
)
MASTER_KEY_INVALID = "Invalid X-Master-Key provided"
MASTER_KEY_INVALID_UPDATE = (
    "Invalid X-Master-Key provided or the bin does not belong to your account"
)
MASTER_KEY_INVALID_READ = "X-Master-Key is invalid or the bin does not belong to your account"
ACCESS_KEY_INVALID = "Invalid X-Access-Key provided"  # [ours]
ACCESS_KEY_DENIED = "X-Access-Key does not have the required permission"  # [ours]

FREE_UPDATE_SIZE = (
    "Free users cannot update a record over 500kb. Upgrade to Pro plan to update records upto 1mb"
)
FREE_CREATE_SIZE = (  # [ours], worded as the update one
    "Free users cannot create a record over 500kb. Upgrade to Pro plan to create records upto 1mb"
)
BIN_TOO_LARGE = "Bin size cannot exceed 1mb"  # [ours]
REQUESTS_EXHAUSTED = "Requests exhausted. Buy additional requests at https://jsonbin.io/pricing"
FREE_VERSIONING = (
    "Versioning is not available for the Free users. Upgrade to Pro plan to avail this feature"
)
BAD_BOOLEAN_HEADER = "{header} must be either true or false"  # [ours]
BAD_SORT_ORDER = "X-Sort-Order must be either ascending or descending"  # [ours]
BAD_VERSION = "Invalid Bin Version provided"  # [ours]

BIN_DELETED = "Bin deleted successfully"
VERSIONS_DELETED = "Versions for the Bin are deleted successfully"
VERSIONS_DELETED_PRESERVED = (
    "Versions for the Bin are deleted successfully and latest version preserved on the base record."
)
NO_VERSIONS = "No versions found"

INVALID_COLLECTION_ID = "Invalid Collection Id provided"
COLLECTION_NOT_FOUND = "Collection not found"
COLLECTION_FOREIGN = (
    "Collection not found or the Collection does not belong to the X-Master-Key provided"
)
COLLECTION_NAME_MISSING = (
    "You need to pass X-Collection-Name header to set a name for the Collection"
)
COLLECTION_NAME_LONG = "Name of the Collection cannot be above 32 characters"
COLLECTION_LIMIT = (
    "You have reached the maximum number of Collections allowed on your plan"  # [ours]
)

SCHEMA_NAME_MISSING = "You need to pass X-Schema-Doc-Name header to set a name for the Schema Doc"
SCHEMA_NAME_LONG = "Name of the Schema Doc cannot be above 32 characters"
INVALID_SCHEMA_ID = "Invalid Schema Id provided"
SCHEMA_NOT_FOUND = "Schema Doc not found"
SCHEMA_INVALID = "Invalid Schema Doc provided: {detail}"  # [ours]

KEY_NAME_MISSING = "You need to pass X-Key-Name header to set a name for the Access Key"  # [ours]
KEY_NAME_LONG = "Name of the Access Key cannot be above 32 characters"  # [ours]
KEY_PERMISSIONS = 'Access Key permissions must look like {"bins": {"read": true, ...}}'  # [ours]
KEY_LIMIT = "You can create up to 4 Access Keys"  # [ours]
INVALID_ACCESS_KEY_ID = "Invalid Access Key Id provided"
ACCESS_KEY_DELETED = "Access Key deleted successfully"

INVALID_JSON = "Invalid JSON provided"  # [ours]
INVALID_JSON_PATH = "Invalid JSON Path provided"  # [ours]
ROUTE_NOT_FOUND = "Route not found"  # [ours]
INTERNAL = "Internal Server Error"  # [ours]
UNAVAILABLE = "Service temporarily unavailable"  # [ours]
