"""The five wire dialects; each is a thin edge over the engine."""
