#!/usr/bin/env bash
# Publishes `tranche` as it is deployed (Release, ReadyToRun) into the folder given as $1.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)"
dotnet publish src/Tranche.Cli -c Release -r "${rid:-linux-x64}" --self-contained false -p:PublishReadyToRun=true -o "$1" >/dev/null
