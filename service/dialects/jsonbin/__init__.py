"""JSONBin.io v3: bins with versions, collections, schema docs and access keys."""
