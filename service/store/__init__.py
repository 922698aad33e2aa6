"""The only package that talks to MongoDB (motor/pymongo)."""
