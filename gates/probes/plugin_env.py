"""Environment variables through which the model-security gate configures the pytest plugin."""

URL_ENV = "SECURE_AI_GATES_ENDPOINT_URL"  # activates the fixtures
ENDPOINT_ENV = "SECURE_AI_GATES_ENDPOINT"  # JSON of the endpoint section (kebab-case keys, no secrets)
CANARY_ENV = "SECURE_AI_GATES_CANARY"
SYSTEM_PROMPT_ENV = "SECURE_AI_GATES_SYSTEM_PROMPT"
REFUSAL_PATTERNS_ENV = "SECURE_AI_GATES_REFUSAL_PATTERNS"  # JSON list of extra refusal regexes
