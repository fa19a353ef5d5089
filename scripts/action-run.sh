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

# Only what the gates need goes into the container: no ACTIONS_* (runtime, cache and OIDC
# tokens), no GITHUB_ENV/GITHUB_PATH/GITHUB_STATE, no GITHUB_TOKEN (the token arrives as the
# github-token input and is withheld from every child process the gates start).
allowed_env=(CI GITHUB_ACTIONS GITHUB_WORKSPACE GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_REPOSITORY
  GITHUB_REPOSITORY_ID GITHUB_REPOSITORY_OWNER GITHUB_SHA GITHUB_REF GITHUB_REF_NAME GITHUB_REF_TYPE
  GITHUB_BASE_REF GITHUB_HEAD_REF GITHUB_API_URL GITHUB_SERVER_URL GITHUB_GRAPHQL_URL GITHUB_RUN_ID
  GITHUB_RUN_NUMBER GITHUB_RUN_ATTEMPT GITHUB_JOB GITHUB_WORKFLOW GITHUB_WORKFLOW_REF GITHUB_ACTOR
  GITHUB_TRIGGERING_ACTOR GITHUB_OUTPUT GITHUB_STEP_SUMMARY RUNNER_TEMP RUNNER_OS RUNNER_ARCH RUNNER_DEBUG)

# pass-env: extra variables for the container (e.g. the endpoint's api-key-env); never the runner's own.
extra_env=()
IFS=',' read -r -a extra <<< "${INPUT_PASS_ENV:-}"
for name in "${extra[@]}"; do
  name="${name// /}"
  [[ -z "$name" ]] && continue
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail_config "pass-env: '${name}' is not a variable name"
  upper="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')"
  case "$upper" in
    GITHUB_*|INPUT_*|ACTIONS_*|RUNNER_*)
      fail_config "pass-env: '${name}' belongs to the runner (GITHUB_*, INPUT_*, ACTIONS_*, RUNNER_*) and is never passed" ;;
  esac
  extra_env+=("$name")
done

case "$runtime" in
  host)
    # Install into and run from a fresh directory under RUNNER_TEMP; every Python runs isolated
    # (-I), so nothing in the workspace (the current directory) can stand in for pip, venv or gates.
    work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/secure-ai-gates.XXXXXX")"
    python_bin="$(command -v python3 || command -v python)"
    (cd "$work" && "$python_bin" -I -m venv "$work/venv")
    if [[ -x "$work/venv/bin/python" ]]; then py="$work/venv/bin/python"; else py="$work/venv/Scripts/python.exe"; fi
    (cd "$work" && "$py" -I -m pip install --quiet --disable-pip-version-check "${action_dir}[all]")
    exec "$py" -I -m gates "${args[@]}"
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
      case "$name" in INPUT_*) env_args+=(--env "$name") ;; esac
    done < <(compgen -e)
    for name in "${allowed_env[@]}" "${extra_env[@]}"; do
      [[ -n "${!name+set}" ]] && env_args+=(--env "$name")
    done
    # Same paths inside and outside, so report paths in the outputs are valid on the runner;
    # the runner's own uid, so nothing in the workspace ends up owned by root.
    exec docker run --rm --network host --user "$(id -u):$(id -g)" --env HOME=/tmp \
      --volume "${GITHUB_WORKSPACE}:${GITHUB_WORKSPACE}" --volume "${RUNNER_TEMP}:${RUNNER_TEMP}" \
      --workdir "${GITHUB_WORKSPACE}" "${env_args[@]}" "$image" "${args[@]}"
    ;;
  *) fail_config "runtime must be docker or host, got '${runtime}'" ;;
esac
