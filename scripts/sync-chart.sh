#!/usr/bin/env bash
# Copies dashboards/ and alerts/gatewatch.rules.yaml into the Helm chart, which must carry exactly
# their content (HelmChartTest fails when the copies differ). Run it after editing either.
set -euo pipefail
cd "$(dirname "$0")/.."
files=helm/gatewatch/files
rm -rf "$files/dashboards" "$files/alerts"
mkdir -p "$files/dashboards" "$files/alerts"
cp dashboards/*.json "$files/dashboards/"
cp alerts/gatewatch.rules.yaml "$files/alerts/"
echo "copied $(ls dashboards/*.json | wc -l) dashboards and alerts/gatewatch.rules.yaml into $files"
