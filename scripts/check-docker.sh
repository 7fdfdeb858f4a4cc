#!/usr/bin/env bash
# Checks the Dockerfile, compose.yaml and the Docker docs. With a container engine
# (docker or podman) it builds the image and runs `instructd --help` in it; without one
# it applies static rules (hadolint-style) that catch what broke before.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
bad() { echo "check-docker: $*" >&2; fail=1; }

df=Dockerfile
grep -q '^USER ' $df || bad "$df: no USER: the image must not run as root"
grep -Eq '^USER +(root|0)(:|$)' $df && bad "$df: USER must not be root"
grep -q '^HEALTHCHECK ' $df || bad "$df: no HEALTHCHECK"
grep -Eq 'apt-get install' $df && ! grep -q 'no-install-recommends' $df && bad "$df: apt-get install without --no-install-recommends"
grep -Eq 'apt-get update' $df && ! grep -q 'rm -rf /var/lib/apt/lists' $df && bad "$df: apt lists not removed after apt-get update"
grep -Eq '^FROM [^ ]+:latest' $df && bad "$df: pin base images, not :latest"
grep -Eq '^ADD https?://' $df && bad "$df: ADD of a URL; use a verified download"
grep -q 'INSTRUCTD_MODEL_DIR=/models' $df || bad "$df: INSTRUCTD_MODEL_DIR must point the registry at /models"
grep -Eq 'INSTRUCTD_MODELS=/models/default' $df && bad "$df: INSTRUCTD_MODELS is serve's pack list, not a directory"
grep -Eq 'chown .*/data' $df || bad "$df: /data must be owned by the image's user"
grep -Eq 'chown .*/models' $df || bad "$df: /models must be owned by the image's user (model pull writes there)"
# The documented examples must not mount the random-weight test pack as a real model.
for f in README.md docs/*.md $df compose.yaml; do
  grep -n 'models/test-[a-z0-9-]*:/models' "$f" && bad "$f: a Docker example mounts a random-weight test pack"
done
# Every serve flag in compose must exist.
grep -q 'INSTRUCTD_API_KEYS' compose.yaml || bad "compose.yaml: API keys must be required"

engine=""
for e in docker podman; do
  if command -v $e >/dev/null 2>&1 && timeout 10 $e info >/dev/null 2>&1; then engine=$e; break; fi
done
if [ -n "$engine" ]; then
  "$engine" build -q -t instructd:check . >/dev/null || bad "image build failed"
  "$engine" run --rm instructd:check --help >/dev/null || bad "instructd --help failed in the image"
else
  echo "check-docker: no running container engine here; static checks only" >&2
fi
[ $fail = 0 ] && echo "check-docker: ok"
exit $fail
