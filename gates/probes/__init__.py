"""Built-in and user probes of the model-security gate: loading, judging, canaries, refusals."""
