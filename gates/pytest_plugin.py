"""pytest plugin shipped with secure-ai-gates (fixtures for model security tests)."""
