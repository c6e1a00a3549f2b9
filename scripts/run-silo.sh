#!/usr/bin/env bash
# Starts the embedded MailMesh silo (SQLite and a blob directory under its data dir; needs nothing
# but the .NET SDK). Arguments go to the silo, e.g. --urls http://127.0.0.1:5080.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# `dotnet run` starts the silo in its project directory: keep the data under the checkout instead.
export MAILMESH__SILO__DATADIRECTORY=${MAILMESH__SILO__DATADIRECTORY:-$PWD/.mailmesh/data}
exec dotnet run --project silo/MailMesh.Silo -c Release -- "$@"
