"""RecordHub: a self-hosted record store speaking five hosted update dialects."""
