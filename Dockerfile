# The pipeline host. Build: docker build -t pipeline .  (docker-compose.yml does it for you)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: precompiled for the build machine's platform, so a one-shot `pipeline import` does not spend its first
# seconds in the JIT (docs/benchmarks.md, import).
RUN dotnet publish src/Pipeline.Host/Pipeline.Host.csproj -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin pipeline \
 && mkdir -p /data/inbox && chown -R pipeline:pipeline /data
# The program and its models belong to root and are read-only to the service; everything it writes
# (inbox, diagnostics) lives under /data, its working directory. Models are still found in /app: the
# service looks in the working directory first, then beside the program.
COPY --from=build /app /app
WORKDIR /data
USER pipeline
# Inside a container the port must be bound beyond loopback to be published at all; that turns the
# dashboard login on (pipeline.http.dashboard-auth = auto), and docker-compose.yml requires the
# admin token and the dashboard password.
ENV PIPELINE_HTTP_HOST=0.0.0.0 \
    PIPELINE_HTTP_PORT=8558 \
    PIPELINE_INBOX=/data/inbox
EXPOSE 8558
VOLUME ["/data"]
ENTRYPOINT ["dotnet", "/app/pipeline.dll"]
CMD ["run"]
