# syntax=docker/dockerfile:1
# instructd: multi-stage build. The builder compiles the cgo binary (hnswlib is header-only
# C++, from libhnswlib-dev); the runtime image carries the binary, ONNX Runtime 1.24.3
# (taken from the onnxruntime-node npm package, as scripts/setup.sh does) and nothing else.
#
#   docker build -t instructd .
#   docker run -p 8080:8080 -v instructd-data:/data -v $PWD/models/test-minilm:/models/default:ro instructd
#
# Model packs are mounted (or baked into a derived image) at /models/default; set
# INSTRUCTD_MODELS (serve's comma-separated pack list) to use others. `instructd model pull`
# stores packs under INSTRUCTD_MODEL_DIR (/models), whose names INSTRUCTD_MODELS may use.
# Every `instructd serve` flag has an INSTRUCTD_* variable.
#
# The image listens on 0.0.0.0:8080 WITHOUT API KEYS unless you set INSTRUCTD_API_KEYS
# (and INSTRUCTD_READ_API_KEYS for read-only clients); it warns loudly at start if not.

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
 && chown instructd:instructd /data
COPY --from=ort /out/libonnxruntime.so.1 /usr/local/lib/onnxruntime/libonnxruntime.so.1
COPY --from=build /out/instructd /usr/local/bin/instructd
ENV INSTRUCTD_ADDR=0.0.0.0:8080 \
    INSTRUCTD_DATA=/data \
    INSTRUCTD_MODELS=/models/default \
    INSTRUCTD_MODEL_DIR=/models \
    INSTRUCTD_ORT_LIB=/usr/local/lib/onnxruntime/libonnxruntime.so.1 \
    INSTRUCTD_LOG_FORMAT=json \
    INSTRUCTD_LOG_LEVEL=info
VOLUME ["/data"]
EXPOSE 8080
USER instructd:instructd
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/instructd", "serve", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/instructd"]
CMD ["serve"]
