# The pipeline host. Build: docker build -t pipeline .  (docker-compose.yml does it for you)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Pipeline.Host/Pipeline.Host.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app .
ENV PIPELINE_HTTP_HOST=0.0.0.0 \
    PIPELINE_HTTP_PORT=8558
EXPOSE 8558
ENTRYPOINT ["dotnet", "pipeline.dll"]
CMD ["run"]
