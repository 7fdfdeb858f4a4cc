# Weaviate v1.35.2 for the weaviate backend's tests and benchmark (scripts/weaviate.sh):
# built once from the Go module proxy into .deps/weaviate/bin (≈ 165 MiB, several minutes
# on 2 cores). Sourced by setup.sh.
if [ ! -x "$DEPS/weaviate/bin/weaviate-server" ]; then
  log "building Weaviate v1.35.2 into $DEPS/weaviate/bin (once; several minutes)"
  PATH=$PATH:/usr/local/go/bin bash "$ROOT/scripts/weaviate.sh" build
fi
if ! command -v ip >/dev/null 2>&1; then
  log "installing iproute2 (ip netns for the Weaviate tests)"
  $SUDO apt-get install -y -qq --no-install-recommends iproute2 >/dev/null || log "iproute2 not installed: Weaviate tests will skip"
fi
