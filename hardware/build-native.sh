#!/usr/bin/env bash
# Builds the native parts (the simulated card, the far-end simulators, the
# media engine) with gcc and make. Run by `npm ci` / `npm run build`.
# A missing Debian package is named, with the command that installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need_header() { # header debian-package
  local h="$1" pkg="$2"
  if ! echo "#include <$h>" | cc -E -I/usr/include/x86_64-linux-gnu - >/dev/null 2>&1; then missing+=("$pkg (for $h)"); fi
}
command -v cc >/dev/null 2>&1 || missing+=("gcc")
command -v make >/dev/null 2>&1 || missing+=("make")
if [ ${#missing[@]} -eq 0 ]; then
  need_header libss7.h libss7-dev
  need_header libpri.h libpri-dev
  need_header spandsp.h libspandsp-dev
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "sipt-gw native build: missing Debian packages:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "install them with: sudo bash .ci/debian-packages   (or apt-get install -y the packages above)" >&2
  exit 1
fi

# Order matters: the card ABI users build after the simulated card.
for dir in hardware/sim hardware/sim/ctl hardware/farend drivers/media; do
  if [ -f "$dir/Makefile" ]; then
    make -s -C "$dir" -j2
  fi
done
