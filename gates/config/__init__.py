"""Configuration: the YAML file, its JSON Schema, action inputs and typed settings."""
