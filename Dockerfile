# syntax=docker/dockerfile:1
# The MailMesh silo image. Build from the repository root:
#   docker build -t registry.example.com/mailmesh/silo:1.0.0 .
# Runs as the non-root user of the ASP.NET image (UID 1654) with a read-only root filesystem: the pod
# mounts a writable volume at /data (SQLite, blobs, read models) and at /tmp (see k8s/).
# tests/MailMesh.Deploy.Tests executes this file without a Docker engine (DockerImageTests; k8s/README.md,
# "How the image is tested"): keep to the instructions its parser reads, and keep ENV to settings the silo reads.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
# Build inputs only (.dockerignore leaves out tests, benchmarks, bin/obj and local data).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY client/ client/
COPY grains/ grains/
COPY silo/ silo/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore silo/MailMesh.Silo/MailMesh.Silo.csproj
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish silo/MailMesh.Silo/MailMesh.Silo.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build --chown=root:root /app ./
# /data is the data volume; a fresh image still starts (with an empty, writable directory) when none
# is mounted and the root filesystem is writable.
RUN mkdir -p /data && chown 1654:1654 /data
# Every listener on all interfaces, so each exposed port is reachable with the image alone (appsettings.json binds
# loopback for a laptop).
ENV MAILMESH__SILO__DATADIRECTORY=/data \
    MAILMESH__KESTREL__ENDPOINTS__HTTP__URL=http://0.0.0.0:5080 \
    MAILMESH__KESTREL__ENDPOINTS__GRPC__URL=http://0.0.0.0:5081 \
    MAILMESH__TRACKING__LISTEN=http://0.0.0.0:5082
VOLUME ["/data", "/tmp"]
EXPOSE 5080 5081 5082
# The image's non-root "app" user ($APP_UID = 1654).
USER 1654:1654
ENTRYPOINT ["dotnet", "/app/mailmesh-silo.dll"]
