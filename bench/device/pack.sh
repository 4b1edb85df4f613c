#!/usr/bin/env bash
# npm run device:pack — the kit that bench/device/run.sh unpacks on the lent GPU machine,
# in bench/device/carry/ (git-ignored; the device tool's `carry` takes at most 64 MiB;
# COLLAPSE_SIM_DEVICE_CARRY packs elsewhere, as the dry-run test does):
#
#   node.xz          this machine's node binary (the GPU machine has none), xz-compressed
#   project.tar.xz   the built project (dist/, kernels/, bench/peers/, package.json) and its
#                    production node_modules for linux-x64 only: other platforms' binaries,
#                    dev dependencies, docs, source maps and type declarations left out
#   debs/*.deb       the Vulkan/EGL/GL loaders for amd64, which that image may lack
#                    (libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
#   MANIFEST         what was packed, from which commit, with sizes
#
# Fails, saying why, when the build is missing, a .deb cannot be downloaded, or the kit
# exceeds 60 MiB. Needs npm, xz, tar and apt-get (Debian or Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARRY=${COLLAPSE_SIM_DEVICE_CARRY:-bench/device/carry}
LIMIT_BYTES=$((60 * 1024 * 1024))
LOADERS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
# xz's preset: 6 for the kit that travels (4 MiB smaller than 1); the dry run packs at 1 (5× faster).
XZ_LEVEL=${COLLAPSE_SIM_PACK_XZ_LEVEL:-6}

fail() {
  echo "device:pack: $*" >&2
  exit 1
}

[ "$(uname -m)" = x86_64 ] || fail "the GPU machine is x86-64 and the kit carries this machine's node and native modules; pack on an x86-64 machine (this is $(uname -m))"
[ -f dist/src/cli/main.js ] || fail "dist/ is missing: run npm run build first"
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || fail "node_modules/webgpu/dist/linux-x64/dawn.node is missing: run npm ci"
for tool in xz tar apt-get npm; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

case "$(realpath -m "$CARRY")" in
  / | "$ROOT" | "$HOME") fail "COLLAPSE_SIM_DEVICE_CARRY=$CARRY would replace a folder that is not a kit's" ;;
esac
rm -rf "$CARRY"
mkdir -p "$CARRY/debs"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

echo "device:pack: node $(node --version) → $CARRY/node.xz" >&2
xz -T2 "-$XZ_LEVEL" -c "$(command -v node)" >"$CARRY/node.xz"

# Production packages only (npm's own view of the tree), outermost directories only:
# a nested package travels inside its parent.
npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s|^$ROOT/||p" | grep '^node_modules/' | sort -u >"$STAGE/packages"
awk 'NR == 1 || index($0, previous "/") != 1 { print; previous = $0 }' "$STAGE/packages" >"$STAGE/roots"
[ -s "$STAGE/roots" ] || fail "npm ls found no production packages: run npm ci"
{
  echo package.json
  echo dist
  echo kernels
  echo bench/peers
  cat "$STAGE/roots"
} >"$STAGE/files"

echo "device:pack: the project and $(wc -l <"$STAGE/roots") production packages → $CARRY/project.tar.xz" >&2
tar -cf - -C "$ROOT" \
  --exclude='node_modules/webgpu/dist/darwin-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' \
  --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/gl/angle' \
  --exclude='node_modules/gl/deps' \
  --exclude='node_modules/gl/src/native' \
  --exclude='node_modules/gl/build/Release/obj*' \
  --exclude='node_modules/gl/build/Release/.deps' \
  --exclude='node_modules/gl/build/Release/*.a' \
  --exclude='node_modules/gl/build/*.mk' \
  --exclude='node_modules/gl/build/Makefile' \
  --exclude='node_modules/gpu.js/dist' \
  --exclude='node_modules/parquet-wasm/bundler' \
  --exclude='node_modules/parquet-wasm/esm' \
  --exclude='__pycache__' \
  --exclude='*.map' \
  --exclude='*.d.ts' \
  --exclude='*.d.mts' \
  --exclude='*.md' \
  --exclude='*.markdown' \
  --exclude='node_modules/*/test' \
  --exclude='node_modules/*/tests' \
  --exclude='node_modules/*/docs' \
  --exclude='node_modules/*/example' \
  --exclude='node_modules/*/examples' \
  --files-from="$STAGE/files" | xz -T2 "-$XZ_LEVEL" >"$CARRY/project.tar.xz"
tar -tJf "$CARRY/project.tar.xz" node_modules/webgpu/dist/linux-x64/dawn.node >/dev/null ||
  fail "dawn.node did not make it into project.tar.xz"

# The loaders, for amd64 whatever this machine is: a private package list in $STAGE, as the
# device tool's README gives it.
echo "device:pack: loaders ${LOADERS[*]} → $CARRY/debs/" >&2
APT_OPTIONS=(-o APT::Architecture=amd64 -o APT::Architectures=amd64 -o "Dir::State::Lists=$STAGE/lists" -o "Dir::Cache=$STAGE/cache" -o Debug::NoLocking=1)
mkdir -p "$STAGE/lists/partial" "$STAGE/cache/archives/partial"
if ! apt-get "${APT_OPTIONS[@]}" -q update >"$STAGE/apt.log" 2>&1; then
  tail -5 "$STAGE/apt.log" >&2
  fail "apt-get update failed: the loader .debs cannot be downloaded here (network or apt sources); the kit is incomplete"
fi
if ! (cd "$CARRY/debs" && apt-get "${APT_OPTIONS[@]}" -q download "${LOADERS[@]}" >"$STAGE/apt.log" 2>&1); then
  tail -5 "$STAGE/apt.log" >&2
  fail "apt-get download ${LOADERS[*]} failed: the kit is incomplete"
fi
for package in "${LOADERS[@]}"; do
  ls "$CARRY/debs/${package}_"*_amd64.deb >/dev/null 2>&1 || fail "no amd64 .deb of $package was downloaded"
done

{
  echo "collapse-sim device kit, packed $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "node $(node --version)"
  (cd "$CARRY" && find . -type f ! -name MANIFEST -printf '%s\t%p\n' | sort -k2)
} >"$CARRY/MANIFEST"

bytes=$(du -sb "$CARRY" | cut -f1)
echo "device:pack: $CARRY holds $((bytes / 1024 / 1024)) MiB ($bytes bytes; limit 60 MiB)" >&2
[ "$bytes" -le "$LIMIT_BYTES" ] || fail "the kit is $bytes bytes, over 60 MiB: the device tool carries at most 64 MiB in all"
