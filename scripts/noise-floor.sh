#!/usr/bin/env bash
# The label-noise floor (issue 23, BENCHMARKS.md "Label-noise floor"): KL at stationarity of
# continuations from a saturated start against (optimizer, lr, k) at batch 256, on the quick
# preset's language (24-state HMM, 8 words) with the `small` model at d 64.
#
#   scripts/noise-floor.sh OUT            # trains what is missing, then prints the table
#   FLATLM="java -jar /tmp/copy/flatlm.jar" scripts/noise-floor.sh OUT   # a copied jar (rebuild-safe)
#   KS="1 4 16 64 exact" ARMS="sgd:0.02:2000 adamw:1e-3 sgd:0.05:1500:64:4,16" scripts/noise-floor.sh OUT
#
# An arm is optimizer:lr[:steps[:batch[:k,k,...]]] (default steps STEPS, batch 256, the k of KS).
# 1. base: quick's exact-target recipe (AdamW lr 6e-3, cosine, warmup 300) for BASE_STEPS steps.
# 2. one continuation per (arm, k) from base's last checkpoint: constant lr, no warmup, a fresh
#    optimizer (SGD: no momentum, weightDecay 0; AdamW: the default weightDecay 0.01), data seed
#    DATA_SEED (default 1000001: not the base's batches again), algorithm sampled-labels with labelsPerContext k
#    (k "exact": the dial's exact arm, exact-target training).
# 3. the table: the KL of each run as the mean (and min, max) of its evaluations in the second
#    half of the run (steps >= steps/2), every EVAL_EVERY steps.
# Runs already finished are reused; one JVM at a time.
set -euo pipefail
out="${1:?usage: scripts/noise-floor.sh OUT}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flatlm="${FLATLM:-$repo/flatlm}"
base_steps="${BASE_STEPS:-5000}"
default_steps="${STEPS:-1500}"
eval_every="${EVAL_EVERY:-100}"
data_seed="${DATA_SEED:-1000001}"  # another value: a replicate of the continuations (same base: link OUT/base)
ks="${KS:-1 4 16 64 exact}"
arms="${ARMS:-sgd:0.05 sgd:0.02:2000:256:1,4,16,exact sgd:0.05:1500:64:4,16 adamw:1e-4:1500:256:1,4,16,exact adamw:3e-4 adamw:1e-3 adamw:3e-4:1500:64:4,16}"
mkdir -p "$out"

if [ -n "${BASE_CONFIG:-}" ]; then  # another language or model: its pretrain keys (no algorithm, steps)
  cp "$BASE_CONFIG" "$out/base.yaml"
else
cat > "$out/base.yaml" <<'EOF'
language: {kind: hmm, words: 8, states: 24, blocks: 2, length: 8, alpha: 0.1, seed: 1}
model: {preset: small, d: 64, heads: 4, dInter: 256}
optimizer: {lr: 6.0e-3}
batchSize: 256
threads: 1
seed: 1
EOF
fi

finished() { # run dir, steps: the run's metrics reached its last step
  [ -f "$1/metrics.jsonl" ] && [ "$(jq -s 'map(.step) | max' "$1/metrics.jsonl")" = "$2" ]
}

if ! finished "$out/base" "$base_steps"; then
  rm -rf "$out/base"
  $flatlm pretrain --config "$out/base.yaml" --out "$out/base" --algorithm exact-target --steps "$base_steps" \
    --eval-every 500 --checkpoint-every "$base_steps" 2> "$out/base.log"
fi

arm_fields() { # sets opt, lr, steps, batch, arm_ks from optimizer:lr[:steps[:batch[:k,k,...]]]
  IFS=: read -r opt lr steps batch arm_ks <<< "$1"
  steps="${steps:-$default_steps}"; batch="${batch:-256}"; arm_ks="${arm_ks:-$ks}"; arm_ks="${arm_ks//,/ }"
}

for arm in $arms; do
  arm_fields "$arm"
  wd=(); [ "$opt" = sgd ] && wd=(--optimizer.weight-decay 0)
  for k in $arm_ks; do
    run="$out/$opt-lr$lr-b$batch-s$steps-k$k"
    finished "$run" "$steps" && continue
    rm -rf "$run"
    $flatlm pretrain --config "$out/base.yaml" --out "$run" --init-from "$out/base" --steps "$steps" \
      --batch-size "$batch" --algorithm sampled-labels --labels-per-context "$k" \
      --optimizer.name "$opt" --optimizer.lr "$lr" "${wd[@]}" --schedule.warmup 0 --schedule.decay constant \
      --eval-every "$eval_every" --checkpoint-every "$steps" --seed "$data_seed" 2> "$run.log"
  done
done

# The table (markdown): per run the mean KL over the evaluations of the second half (steps >=
# steps/2), their standard deviation and range, and the excess over the same arm's exact row.
tail_kl() { # run dir, steps -> "mean sd min max n"
  jq -rs --argjson t "$(($2 / 2))" 'map(select(.step >= $t)) | map(.kl) as $x | ($x | add / length) as $m
    | "\($m) \(($x | map(. - $m | . * .) | add) / (($x | length) - 1) | sqrt) \($x | min) \($x | max) \($x | length)"' "$1/metrics.jsonl"
}
printf 'start (base, step %s): KL %.5f\n\n' "$base_steps" "$(jq -s 'max_by(.step) | .kl' "$out/base/metrics.jsonl")"
echo "| optimizer | lr | batch | k | steps | KL (mean of 2nd half) | s.d. | min – max | excess over exact |"
echo "|---|---|---|---|---|---|---|---|---|"
for arm in $arms; do
  arm_fields "$arm"
  exact_run="$out/$opt-lr$lr-b$batch-s$steps-kexact"
  exact_mean=""
  finished "$exact_run" "$steps" && exact_mean="$(tail_kl "$exact_run" "$steps" | cut -d' ' -f1)"
  for k in $arm_ks; do
    run="$out/$opt-lr$lr-b$batch-s$steps-k$k"
    finished "$run" "$steps" || continue
    read -r m sd lo hi n <<< "$(tail_kl "$run" "$steps")"
    awk -v o="$opt" -v lr="$lr" -v b="$batch" -v k="$k" -v s="$steps" -v m="$m" -v sd="$sd" -v lo="$lo" -v hi="$hi" \
      -v e="$exact_mean" 'BEGIN { ex = (e == "" || k == "exact") ? "–" : sprintf("%+.5f", m - e);
        printf "| %s | %s | %s | %s | %s | %.5f | %.5f | %.5f – %.5f | %s |\n", o, lr, b, k, s, m, sd, lo, hi, ex }'
  done
done
