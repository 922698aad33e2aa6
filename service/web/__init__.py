"""The shared HTTP edge: bodies, errors, origins/CORS, request ids, health, metrics, admin."""
