"""The deploy action: record the version in service, deploy, watch health, roll back.

Modules: :mod:`~gates.deploy.options` (flags/inputs table), :mod:`~gates.deploy.settings`
(typed settings), :mod:`~gates.deploy.state` (state file), :mod:`~gates.deploy.commands`
(user commands), :mod:`~gates.deploy.sources` (metric sources), :mod:`~gates.deploy.rules`
(thresholds and limits), :mod:`~gates.deploy.monitor` (the loop), :mod:`~gates.deploy.cancel`
(signals), :mod:`~gates.deploy.deployer` (the flow), :mod:`~gates.deploy.report` (summary,
outputs), :mod:`~gates.deploy.app` (wiring).

Nothing is imported here, so ``secure-ai-gates --help`` (which reads only
:mod:`~gates.deploy.options`) stays light; import from the modules themselves.
"""

