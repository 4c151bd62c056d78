# syntax=docker/dockerfile:1
# citiesd: a release binary built with the Swift toolchain image, run from a slim Debian image that
# holds only libpq's runtime library, CA certificates, time zone data and curl for the health check.
# Build args version, branch and stack become environment variables of the same names, which
# OPTIONS and /health/ report. Migrations are compiled into the binary.

ARG SWIFT_IMAGE=swift:6.2-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
COPY Plugins Plugins
COPY Benchmarks Benchmarks
COPY Tests Tests
COPY migrations migrations
RUN swift build -c release --product citiesd --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/citiesd" /out/citiesd

FROM debian:bookworm-slim
ARG version=1
ARG branch=master
ARG stack=stack
ENV version=${version} \
    branch=${branch} \
    stack=${stack} \
    HOST=0.0.0.0 \
    PORT=8080 \
    CITIESD_METRICS_PORT=9464 \
    LOG_FORMAT=json \
    CITIESD_PACKAGE_JSON=/app/config/package.json
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin citiesd
WORKDIR /app
COPY --from=build /out/citiesd /usr/local/bin/citiesd
COPY config/package.json /app/config/package.json
USER citiesd
# 8080: the API, behind the gateway; 9464: GET /metrics for Prometheus only, never routed by the gateway.
EXPOSE 8080 9464
# The path is the "uri" of config/package.json followed by /ready/.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/ws/cities/ready/" > /dev/null || exit 1
ENTRYPOINT ["citiesd"]
CMD ["serve"]
