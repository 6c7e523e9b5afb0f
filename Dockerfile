# Build: docker build -t firehouse .
# Run:   docker run -p 9095:9095 -v firehouse-data:/data firehouse
FROM swift:6.0-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY bench ./bench
COPY Tests ./Tests
RUN swift build -c release --product firehouse --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/firehouse" /firehouse

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libcurl4 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data firehouse \
    && mkdir -p /data && chown firehouse /data
COPY --from=build /firehouse /usr/local/bin/firehouse
COPY config /etc/firehouse
COPY runbooks /etc/firehouse/runbooks
USER firehouse
VOLUME /data
EXPOSE 9095
ENTRYPOINT ["/usr/local/bin/firehouse"]
CMD ["serve", "--listen", "0.0.0.0:9095", "--database", "/data/firehouse.sqlite"]
