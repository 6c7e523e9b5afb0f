# Firehouse container image: a static-stdlib release build on the official Swift image, run on
# Debian slim as a non-root user with the database on the /data volume.
#   docker build -t firehouse .
#   docker run -p 9095:9095 -v firehouse-data:/data -e FIREHOUSE_WEBHOOK_TOKEN=... \
#     -e FIREHOUSE_CHAT_TOKEN=... -e FIREHOUSE_API_TOKEN=... firehouse   (it refuses to start without them)
# Checked in CI by scripts/check-deploy (hadolint); no Docker engine is needed for that.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer, so source edits do not download them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY bench ./bench
COPY Tests ./Tests
RUN swift build -c release --product firehouse --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/firehouse" /out/firehouse

FROM debian:bookworm-slim
# libsqlite3 and libcurl stay dynamic (Debian's security updates reach them); Swift is static.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 libcurl4 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 firehouse \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home firehouse \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /out/firehouse /usr/local/bin/firehouse
COPY config/firehouse.yml /etc/firehouse/firehouse.yml
COPY config/container.yml /etc/firehouse/container.yml
COPY runbooks /etc/firehouse/runbooks
USER 10001:10001
VOLUME /data
EXPOSE 9095
ENTRYPOINT ["/usr/local/bin/firehouse"]
CMD ["serve", "--config", "/etc/firehouse/container.yml"]
