# syntax=docker/dockerfile:1
# instructd: multi-stage build. The builder compiles the cgo binary (hnswlib is header-only
# C++, from libhnswlib-dev); the runtime image carries the binary, ONNX Runtime 1.24.3
# (taken from the onnxruntime-node npm package, as scripts/setup.sh does) and nothing else.
#
#   docker build -t instructd .
#   docker run --rm -v instructd-models:/models instructd model pull BAAI/bge-small-en-v1.5
#   docker run -p 8080:8080 -v instructd-models:/models:ro -v instructd-data:/data \
#     -e INSTRUCTD_API_KEYS=change-me instructd serve --model BAAI/bge-small-en-v1.5
#
# /models is the pack registry (INSTRUCTD_MODEL_DIR): `model pull` writes <org>--<name> there
# and `serve --model ORG/NAME` (or INSTRUCTD_MODELS=ORG/NAME) loads it. /data holds the
# collections. Both are owned by the image's user, uid/gid 10001: a named volume inherits
# that; a bind-mounted host folder must be writable by uid 10001 (chown 10001:10001 DIR).
# The server listens on 0.0.0.0 inside the container: set INSTRUCTD_API_KEYS (it warns
# loudly at start-up otherwise). Every `instructd serve` flag has an INSTRUCTD_* variable.

ARG GO_IMAGE=golang:1.26-bookworm
ARG ORT_VERSION=1.24.3

FROM ${GO_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libhnswlib-dev g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/instructd ./cmd/instructd

FROM debian:bookworm-slim AS ort
ARG ORT_VERSION
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /ort
RUN npm pack --silent "onnxruntime-node@${ORT_VERSION}" \
 && tar -xzf onnxruntime-node-*.tgz package/bin/napi-v6/linux/x64/ \
 && mkdir -p /out \
 && cp package/bin/napi-v6/linux/x64/libonnxruntime.so.1* /out/ \
 && { [ -e /out/libonnxruntime.so.1 ] || mv /out/libonnxruntime.so.1.* /out/libonnxruntime.so.1; } \
 && ls -l /out

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 instructd \
 && useradd --system --uid 10001 --gid instructd --home-dir /data --shell /usr/sbin/nologin instructd \
 && mkdir -p /data /models \
 && chown instructd:instructd /data /models
COPY --from=ort /out/libonnxruntime.so.1 /usr/local/lib/onnxruntime/libonnxruntime.so.1
COPY --from=build /out/instructd /usr/local/bin/instructd
ENV INSTRUCTD_ADDR=0.0.0.0:8080 \
    INSTRUCTD_DATA=/data \
    INSTRUCTD_MODEL_DIR=/models \
    INSTRUCTD_ORT_LIB=/usr/local/lib/onnxruntime/libonnxruntime.so.1 \
    INSTRUCTD_LOG_FORMAT=json \
    INSTRUCTD_LOG_LEVEL=info
VOLUME ["/data", "/models"]
EXPOSE 8080
USER instructd:instructd
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/instructd", "serve", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/instructd"]
CMD ["serve"]
