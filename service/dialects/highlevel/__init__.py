"""HighLevel (LeadConnector): custom objects, custom fields and records with add/remove edits."""
