"""secure-ai-gates: eight security gates in front of every deployment of an AI/ML project."""

__version__ = "0.1.0"
__all__ = ["__version__"]
