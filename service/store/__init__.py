"""The only package that talks to MongoDB (PyMongo's asyncio API)."""
