#!/usr/bin/env bash
# The composite action's one step: run the entrypoint in the action's image (runtime docker)
# or installed on the runner (runtime host). Inputs arrive as INPUT_* variables, never as
# text spliced into this script. Exit codes pass through (0 passed, 1 failed, 2 config, 3 error).
set -euo pipefail

action_dir="${GITHUB_ACTION_PATH:?this script runs inside the action}"
runtime="${INPUT_RUNTIME:-docker}"
mode="${INPUT_MODE:-run}"

fail_config() {
  echo "::error title=secure-ai-gates configuration error::$1"
  exit 2
}

case "$mode" in
  run) args=(run) ;;
  merge)
    [[ -n "${INPUT_REPORTS:-}" ]] || fail_config "mode merge needs the reports input (a directory of shard reports)"
    args=(merge "$INPUT_REPORTS")
    ;;
  *) fail_config "mode must be run or merge, got '${mode}'" ;;
esac

case "$runtime" in
  host)
    venv="${RUNNER_TEMP:-/tmp}/secure-ai-gates-venv"
    python_bin="$(command -v python3 || command -v python)"
    "$python_bin" -m venv "$venv"
    if [[ -x "$venv/bin/python" ]]; then py="$venv/bin/python"; else py="$venv/Scripts/python.exe"; fi
    "$py" -m pip install --quiet --disable-pip-version-check "${action_dir}[all]"
    exec "$py" -m gates "${args[@]}"
    ;;
  docker)
    image="${INPUT_IMAGE:-}"
    if [[ -z "$image" ]]; then
      image="secure-ai-gates:local"
      echo "::group::Build the secure-ai-gates image"
      docker build --tag "$image" "$action_dir"
      echo "::endgroup::"
    fi
    env_args=()
    while IFS= read -r name; do
      case "$name" in
        GITHUB_*|INPUT_*|RUNNER_*|ACTIONS_*|CI) env_args+=(--env "$name") ;;
      esac
    done < <(compgen -e)
    IFS=',' read -r -a extra <<< "${INPUT_PASS_ENV:-}"
    for name in "${extra[@]}"; do
      name="${name// /}"
      [[ -z "$name" ]] && continue
      [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail_config "pass-env: '${name}' is not a variable name"
      env_args+=(--env "$name")
    done
    # Same paths inside and outside, so report paths in the outputs are valid on the runner;
    # the runner's own uid, so nothing in the workspace ends up owned by root.
    exec docker run --rm --network host --user "$(id -u):$(id -g)" --env HOME=/tmp \
      --volume "${GITHUB_WORKSPACE}:${GITHUB_WORKSPACE}" --volume "${RUNNER_TEMP}:${RUNNER_TEMP}" \
      --workdir "${GITHUB_WORKSPACE}" "${env_args[@]}" "$image" "${args[@]}"
    ;;
  *) fail_config "runtime must be docker or host, got '${runtime}'" ;;
esac
