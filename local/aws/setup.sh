#!/usr/bin/env bash
# Creates the two virtual environments of the local AWS emulation, idempotently:
#   .venvs/ministack  the emulator; its Python also runs every Lambda function
#   .venvs/sam        aws-sam-cli, for `sam build` and `sam deploy`
# They pin conflicting botocore versions, hence one environment each.
#
# The ministack environment is built from the Python of the template's runtime
# (LAMBDA_PYTHON_VERSION, 3.13) when the machine has it, so the layer is built for
# the same Python as on AWS; otherwise from python3, and the emulator then builds
# the layer for that Python instead (local/aws/emulator.py says which in its log).
#
# Usage: local/aws/setup.sh [ministack|sam|all]   (default: all)
set -euo pipefail

MINISTACK_VERSION=1.5.33
# ministack pins botocore==1.43.106; boto3 is what the Lambda runtime ships and the
# functions import, aws-sam-translator lets ministack expand the SAM transform.
MINISTACK_BOTO3_VERSION=1.43.106
MINISTACK_SAM_TRANSLATOR_VERSION=1.115.0
SAM_CLI_VERSION=1.170.0
LAMBDA_PYTHON_VERSION=${LAMBDA_PYTHON_VERSION:-3.13}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENVS=${VENVS_DIR:-$ROOT/.venvs}

log() { printf 'local/aws/setup: %s\n' "$*" >&2; }

# Prints the path of a Python interpreter of the given version, or nothing.
find_python() {
    local version=$1 candidate
    for candidate in "python$version" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$version".*/bin/python"$version" 2>/dev/null | sort -V -r); do
        # A pyenv shim exists for every installed version but fails unless selected, so run it.
        if "$candidate" -c 'import sys, venv, ssl' >/dev/null 2>&1; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

# make_venv NAME PYTHON STAMP REQUIREMENT...
make_venv() {
    local name=$1 python=$2 stamp=$3
    shift 3
    local venv="$VENVS/$name"
    if [[ -x "$venv/bin/python" && -f "$venv/.setup-stamp" && "$(cat "$venv/.setup-stamp")" == "$stamp" ]]; then
        log "$name: up to date ($stamp)"
        return 0
    fi
    log "$name: creating with $python ($stamp)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    printf '%s' "$stamp" >"$venv/.setup-stamp"
    log "$name: ready"
}

setup_ministack() {
    local python
    if python=$(find_python "$LAMBDA_PYTHON_VERSION"); then
        log "ministack: Python $LAMBDA_PYTHON_VERSION found at $python, functions will run on the template's runtime version"
    else
        python=$(command -v python3)
        log "ministack: no Python $LAMBDA_PYTHON_VERSION on this machine, using $python; the layer will be built for it"
    fi
    local version
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    make_venv ministack "$python" \
        "python=$version ministack=$MINISTACK_VERSION boto3=$MINISTACK_BOTO3_VERSION sam-translator=$MINISTACK_SAM_TRANSLATOR_VERSION" \
        "ministack==$MINISTACK_VERSION" \
        "boto3==$MINISTACK_BOTO3_VERSION" \
        "aws-sam-translator==$MINISTACK_SAM_TRANSLATOR_VERSION"
}

setup_sam() {
    make_venv sam "$(command -v python3)" "aws-sam-cli=$SAM_CLI_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"
}

mkdir -p "$VENVS"
case "${1:-all}" in
    ministack) setup_ministack ;;
    sam) setup_sam ;;
    all) setup_ministack; setup_sam ;;
    *) log "unknown target: $1 (ministack, sam or all)"; exit 2 ;;
esac
