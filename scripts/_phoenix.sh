# Sourced by scripts/test: Arize Phoenix, the real trace backend of the integration test,
# in a virtual environment of its own (its dependencies never mix with the library's).
# Set RAI_SKIP_PHOENIX=1 to skip it on a quick local run (CI never does).
PHOENIX_VERSION="20.26.1"
PHOENIX_VENV="$ROOT/.venv-phoenix"
if [ "${RAI_SKIP_PHOENIX:-}" != "1" ]; then
  if [ ! -x "$PHOENIX_VENV/bin/phoenix" ] || [ "$(cat "$PHOENIX_VENV/.rai-stamp" 2>/dev/null)" != "$PHOENIX_VERSION" ]; then
    echo "installing Arize Phoenix $PHOENIX_VERSION into $PHOENIX_VENV (first run only, a few minutes)..." >&2
    "$(find_python)" -m venv "$PHOENIX_VENV"
    "$PHOENIX_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "arize-phoenix==$PHOENIX_VERSION" >&2
    echo "$PHOENIX_VERSION" > "$PHOENIX_VENV/.rai-stamp"
  fi
  export RAI_PHOENIX="$PHOENIX_VENV/bin/phoenix"
fi
