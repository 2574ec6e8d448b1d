#!/usr/bin/env bash
# container-check: the container's runtime stage, checked without a Docker
# engine. A clean Debian bookworm root (debootstrap, minbase) gets what the
# Dockerfile's runtime stage gives it: scripts/setup.sh runtime, the
# binary, the models, a non-root user. Then, inside it (chroot) and as that
# user, photoaudit verifies its models and scans the sample photos and a
# HEIC; the check fails unless every photo is audited with no error.
#
#   sudo scripts/container-check.sh [ROOT]   (default /var/tmp/photoaudit-root)
#
# Needs root, debootstrap, and Debian's mirror. The root is kept and
# reused; delete it to start clean. Not part of scripts/test.sh: it takes
# minutes and downloads about 300 MB.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/photoaudit-root}
models=${PHOTOAUDIT_MODELS:-/usr/local/share/photoaudit/models}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "container-check: run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "container-check: debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
fi
cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The runtime stage: the same script, the built binary, the models.
install -D -m 755 "$top/scripts/setup.sh" "$root/usr/local/share/photoaudit/setup.sh"
chroot "$root" /usr/local/share/photoaudit/setup.sh runtime
(cd "$top" && CGO_ENABLED=1 go build -trimpath -o "$root/usr/local/bin/photoaudit" ./cmd/photoaudit)
mkdir -p "$root/usr/local/share/photoaudit/models"
cp "$models"/* "$root/usr/local/share/photoaudit/models/"
chroot "$root" sh -c 'id photoaudit >/dev/null 2>&1 || useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin photoaudit'

# Inputs: the sample scenes and one HEIC, as an iPhone gives them.
rm -rf "$root/in" "$root/out"
mkdir -p "$root/in" "$root/out"
cp "$top"/testdata/generated/*.jpg "$root/in/"
if command -v heif-enc >/dev/null; then
  heif-enc -q 90 -o "$root/in/IMG_0001.HEIC" "$top/testdata/generated/face.jpg" >/dev/null
fi
chown -R 10001 "$root/out"
chmod -R a+rX "$root/in"

echo "container-check: inside the root, as uid 10001"
chroot --userspec=10001:10001 "$root" env HOME=/nonexistent OMP_THREAD_LIMIT=1 photoaudit models
set +e
chroot --userspec=10001:10001 "$root" env HOME=/nonexistent OMP_THREAD_LIMIT=1 photoaudit scan /in --out /out
code=$?
set -e
python3 - "$root/out/report.json" "$(ls "$root/in" | wc -l)" "$code" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
want, code = int(sys.argv[2]), int(sys.argv[3])
errs = [im["source"] + ": " + im["error"] for im in rep["images"] if im.get("error")]
print(f"container-check: {len(rep['images'])} of {want} photos audited, {len(errs)} errors, exit {code}")
for e in errs:
    print("  " + e)
sys.exit(0 if len(rep["images"]) == want and not errs and code in (0, 1) else 1)
PY
