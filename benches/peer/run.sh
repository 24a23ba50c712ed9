#!/usr/bin/env bash
# Speed against a peer: installs SurveyJS survey-core (npm ci, from package-lock.json) and runs
# `cargo bench --bench peer`, which times triage and survey-core on the same generated forms and
# prints one table with the ratios. Needs node and npm; extra arguments go to the bench
# (e.g. --sizes 1000).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: node and npm are needed for the peer (SurveyJS survey-core); install Node.js" >&2
  exit 2
fi
npm ci --no-audit --no-fund --silent
cd ../..
exec cargo bench --bench peer -- "$@"
