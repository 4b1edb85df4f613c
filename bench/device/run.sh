#!/usr/bin/env bash
# The GPU machine's one call: unpack the kit (npm run device:pack → bench/device/carry/),
# then measure everything under one time budget, each step time-boxed; results under $OUT.
#
#   on the device (the device tool's run, carry ["bench/device/carry"], timeout_s ≥ 540):
#     bash bench/device/run.sh
#   the dry run here (small sizes, software drivers, GPU-only peers skipped with the reason):
#     xvfb-run -a bash bench/device/run.sh --dry-run
#
# Steps: nvidia-smi (device, driver); `collapse-sim backends` (which backends answer and on
# what adapter: gpu.js can fall back silently, the engine refuses to report a backend that
# did not run); `verify --backends webgpu` for the bit-exact discrete families; `bench` of
# Bernoulli M = 100 (both modes, 10^5 … 10^8 chains), one categorical and one Gaussian
# configuration, on every engine `bench` knows and every peer that runs (NumPy, JAX, CuPy),
# --max-seconds predicting and skipping the runs that would not fit; then summarize.js
# (ratios measured in the same call, the roofline, the targets).
#
# $OUT receives 8 files: summary.json, log.txt, bench-{bernoulli,categorical,gaussian}.json
# and .png. A step that runs out of time is cut (SIGTERM: bench abandons the run under way
# and writes what it measured) and reported in summary.json, never left hanging.
set -uo pipefail
cd "$(dirname "$0")/../.."
KIT=${COLLAPSE_SIM_DEVICE_KIT:-bench/device/carry}
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
WORK=${COLLAPSE_SIM_DEVICE_WORK:-${TMPDIR:-/tmp}/collapse-sim-device}
OUT=${OUT:-$WORK/out}
rm -rf "$WORK/project" "$WORK/loaders" "$WORK/results"
mkdir -p "$WORK/project" "$WORK/loaders" "$WORK/results" "$OUT"
RESULTS=$WORK/results
LOG=$OUT/log.txt
exec > >(tee "$LOG") 2>&1
TEE=$!

# Sizes and time boxes: the device's, or the dry run's (minutes on 2 shared cores).
if [ "$DRY" = 1 ]; then
  BUDGET=${COLLAPSE_SIM_DEVICE_BUDGET:-150}
  BERNOULLI_CHAINS=100,1000 OTHER_CHAINS=100 VERIFY_CHAINS=100 MAX_SECONDS=3
  BOX_BERNOULLI=45 BOX_OTHER=20
else
  BUDGET=${COLLAPSE_SIM_DEVICE_BUDGET:-450}
  BERNOULLI_CHAINS=1e5,1e6,1e7,1e8 OTHER_CHAINS=1e5,1e6,1e7 VERIFY_CHAINS=2000 MAX_SECONDS=25
  BOX_BERNOULLI=210 BOX_OTHER=75
fi
STARTED=$(date +%s)
# Seconds kept back at every step for the summary at the end.
RESERVE=20
printf 'step\tseconds\tstatus\tnote\n' >"$RESULTS/steps.tsv"

say() { printf '\n== %s\n' "$*"; }
left() { echo $((BUDGET - ($(date +%s) - STARTED))); }
# step NAME BOX COMMAND...: runs COMMAND with at most BOX seconds (less if the budget is
# short), SIGTERM at the limit and SIGKILL 20 s later; records its time and exit status.
step() {
  local name=$1 box=$2
  shift 2
  local allowed=$(($(left) - RESERVE))
  [ "$allowed" -lt "$box" ] && box=$allowed
  if [ "$box" -le 0 ]; then
    printf '%s\t0\tskipped\tno time left in the %s s budget\n' "$name" "$BUDGET" >>"$RESULTS/steps.tsv"
    say "$name: skipped, no time left"
    return 0
  fi
  local begun=$(date +%s) status
  timeout -s TERM -k 20 "$box" "$@"
  status=$?
  local note=""
  [ "$status" = 124 ] || [ "$status" = 143 ] && note="cut at its ${box} s time box"
  [ "$status" = 137 ] && note="killed after its ${box} s time box"
  printf '%s\t%s\t%s\t%s\n' "$name" "$(($(date +%s) - begun))" "$status" "$note" >>"$RESULTS/steps.tsv"
  return 0
}

say "kit"
if [ ! -f "$KIT/node.xz" ] || [ ! -f "$KIT/project.tar.xz" ]; then
  echo "run.sh: $KIT is incomplete: run npm run device:pack first (and carry bench/device/carry)"
  exit 2
fi
cat "$KIT/MANIFEST" 2>/dev/null
xz -dc "$KIT/node.xz" >"$WORK/node" && chmod +x "$WORK/node" || { echo "run.sh: node did not unpack"; exit 2; }
tar -xJf "$KIT/project.tar.xz" -C "$WORK/project" || { echo "run.sh: the project did not unpack"; exit 2; }
NODE=$WORK/node
CLI=$WORK/project/dist/src/cli/main.js
echo "node $("$NODE" --version), collapse-sim $("$NODE" "$CLI" --version 2>/dev/null)"

say "loaders"
# Unpacked into a folder of their own, never over /: used only where the system has no Vulkan loader.
for deb in "$KIT"/debs/*.deb; do dpkg -x "$deb" "$WORK/loaders" || echo "run.sh: $deb did not unpack"; done
if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  echo "the system has a Vulkan loader: the carried ones stay unused"
else
  export LD_LIBRARY_PATH="$WORK/loaders/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "no Vulkan loader on the system: using the carried ones ($WORK/loaders)"
fi
# NVIDIA's ICD names its driver library by file name only: make sure the loader can find it.
for lib in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$lib" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$lib"
done
NVIDIA_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$NVIDIA_ICD" ]; then export VK_DRIVER_FILES=$NVIDIA_ICD; fi
NVIDIA_EGL=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$NVIDIA_EGL" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES=$NVIDIA_EGL; fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-(unset)} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-(unset)}"

say "nvidia-smi"
if command -v nvidia-smi >/dev/null; then
  step nvidia-smi 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm --format=csv | tee "$RESULTS/nvidia-smi.csv"
else
  echo "nvidia-smi: not on this machine" | tee "$RESULTS/nvidia-smi.csv"
fi

say "collapse-sim backends"
step backends 90 "$NODE" "$CLI" backends --json >"$RESULTS/backends.json"
"$NODE" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); for (const b of r.backends) console.log(`${b.backend.padEnd(11)} ${b.available ? `yes  ${b.device}${b.software ? " [software]" : " [hardware]"}  probe ${b.chainGenerationsPerSecond?.toExponential(2) ?? "—"} chain·gen/s${b.error ? ` — probe failed: ${b.error}` : ""}` : `no   ${b.reason}`}`)' "$RESULTS/backends.json" 2>/dev/null ||
  echo "backends: no answer (see above)"

say "verify on webgpu (bit-exact families, per-sample)"
# Ising with θ₂ = 0 is Wright–Fisher with N·M copies: M = 20 keeps its reference run short.
for family in bernoulli categorical ising; do
  samples=100
  [ "$family" = ising ] && samples=20
  step "verify-$family" 60 "$NODE" "$CLI" verify --family "$family" --samples "$samples" --chains "$VERIFY_CHAINS" --backends webgpu --json >"$RESULTS/verify-$family.json"
  "$NODE" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const g = r.backends.find((b) => b.backend === "webgpu"); console.log(`verify ${process.argv[2]}: ${r.pass ? "agrees" : "DISAGREES"}; webgpu ${g.exactness}, ${g.identicalChains}/${g.chains} chains identical, on ${g.device}${g.failures.length ? ": " + g.failures.join("; ") : ""}`)' "$RESULTS/verify-$family.json" "$family" 2>/dev/null ||
    echo "verify $family: no report (see above)"
done

say "bench"
for config in bernoulli categorical gaussian; do
  case $config in
    bernoulli) flags=(--family bernoulli --samples 100 --chains "$BERNOULLI_CHAINS") box=$BOX_BERNOULLI ;;
    categorical) flags=(--family categorical --categories 10 --samples 100 --chains "$OTHER_CHAINS") box=$BOX_OTHER ;;
    gaussian) flags=(--family gaussian --samples 100 --collapse-threshold 1e-3 --chains "$OTHER_CHAINS") box=$BOX_OTHER ;;
  esac
  echo "bench $config: ${flags[*]}"
  # No --backends and no --peers: every engine bench knows and every peer that runs here;
  # the reference path is left below the smallest size (it is minutes per run at 10^5).
  step "bench-$config" "$box" "$NODE" "$CLI" bench "${flags[@]}" --repeats 1 --reference-limit 1 --max-seconds "$MAX_SECONDS" \
    --seed device --json --out "$WORK/bench-$config.arrow" --plot "$WORK/bench-$config.svg" >"$RESULTS/bench-$config.json"
  cp "$RESULTS/bench-$config.json" "$OUT/bench-$config.json" 2>/dev/null
  cp "$WORK/bench-$config.png" "$OUT/bench-$config.png" 2>/dev/null || echo "bench $config: no plot"
done

say "summary"
"$NODE" "$WORK/project/dist/bench/device/summarize.js" --results "$RESULTS" --kit "$KIT" --out "$OUT/summary.json" $([ "$DRY" = 1 ] && echo --dry-run)
status=$?
echo "run.sh: $(( $(date +%s) - STARTED )) s in all (budget $BUDGET s); results in $OUT"
# Let tee write the last of the log before the device tool collects $OUT.
exec >&- 2>&-
wait "$TEE" 2>/dev/null
exit $status
