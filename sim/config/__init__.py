"""Configuration: the schema and composition, validation, declared parameters."""
