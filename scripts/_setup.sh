# Sourced by the other scripts: make .venv with Python >= 3.12 and install the project.
# EXTRAS selects optional dependencies (default: test,ray,app).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
find_python() {
    for candidate in python3.12 python3.13 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    # pyenv keeps versions outside PATH until selected (.python-version selects 3.12)
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
        [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    echo "error: Python >= 3.12 not found (pyenv install 3.12, or put python3.12 on PATH)" >&2
    return 1
}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    rm -rf .venv
    "$(find_python)" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)-${EXTRAS:-test,ray,app}"
if [ ! -f "$stamp" ]; then
    echo "setting up .venv (first time only; a few minutes) ..." >&2
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           .venv/bin/python -m pip install -e ".[${EXTRAS:-test,ray,app}]"; } > .venv/install.log 2>&1; then
        tail -n 30 .venv/install.log >&2
        echo "error: installing the project failed (full log: .venv/install.log)" >&2
        exit 1
    fi
    rm -f .venv/.installed-*; touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
