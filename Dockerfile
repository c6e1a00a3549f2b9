# syntax=docker/dockerfile:1
# The MailMesh silo image. Build from the repository root:
#   docker build -t registry.example.com/mailmesh/silo:1.0.0 .
# Runs as the non-root user of the ASP.NET image (UID 1654) with a read-only root filesystem: the pod
# mounts a writable volume at /data (SQLite, blobs, read models) and at /tmp (see k8s/).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
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
ENV MAILMESH__SILO__DATADIRECTORY=/data \
    MAILMESH__KESTREL__ENDPOINTS__HTTP__URL=http://0.0.0.0:5080 \
    MAILMESH__KESTREL__ENDPOINTS__GRPC__URL=http://0.0.0.0:5081 \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data", "/tmp"]
EXPOSE 5080 5081 5082
# The image's non-root "app" user ($APP_UID = 1654).
USER 1654:1654
ENTRYPOINT ["dotnet", "/app/mailmesh-silo.dll"]
