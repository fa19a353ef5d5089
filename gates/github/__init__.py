"""The GitHub REST API client shared by the approval gate, the check-run reporter, SARIF upload
and deployment statuses: :mod:`gates.github.client` (the client), :mod:`gates.github.errors`
(its typed errors), :mod:`gates.github.ratelimit` (pacing). Each name is imported from its module."""
