"""The rested dialect: rested.dev custom endpoints under `/api/1/ce/{endpoint}`."""
