#!/usr/bin/env bash
# Fails when the `cloister` binary would depend on a crate that cannot work in Occlum: file
# mappings (Occlum copies them privately, no coherence with pwrite), io_uring (Occlum returns
# EINVAL for io_uring_setup) or fork. Reads the graph with `cargo tree` only: no build.
#
# Usage: scripts/check-occlum-deps.sh            (from anywhere; exit 0 = clean, 1 = denied
#                                                 crate found, 2 = could not run)
# Environment:
#   EXTRA_DENIED               extra rules, space or comma separated (`serde`, `tokio/io-uring`),
#                              e.g. to prove the check detects something
#   OCCLUM_DENY_FILE           rule file (default scripts/occlum-denied-crates.txt)
#   OCCLUM_CHECK_PACKAGE       package to check (default cloister)
#   OCCLUM_CHECK_CARGO_FLAGS   flags for cargo tree (default "--offline --locked"; CI that has
#                              not fetched the registry can use "--locked")
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deny_file="${OCCLUM_DENY_FILE:-$repo/scripts/occlum-denied-crates.txt}"
package="${OCCLUM_CHECK_PACKAGE:-cloister}"
target="x86_64-unknown-linux-gnu"
read -r -a cargo_flags <<< "${OCCLUM_CHECK_CARGO_FLAGS:---offline --locked}"

# Normal edges only: dev and build dependencies never reach the enclave, nor do proc macros.
tree_args=(tree --manifest-path "$repo/Cargo.toml" -p "$package" --target "$target"
  "${cargo_flags[@]}")
edges="normal,no-proc-macro"

if [ ! -r "$deny_file" ]; then
  echo "check-occlum-deps: cannot read rule file $deny_file" >&2
  exit 2
fi

# Rules as "pattern<TAB>reason"; the file's rules first, then EXTRA_DENIED.
rules=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%%#*}"
  read -r pattern reason <<< "$line" || true
  [ -z "${pattern:-}" ] && continue
  rules+=("$pattern"$'\t'"${reason:-no reason given}")
done < "$deny_file"
IFS=', ' read -r -a extra_rules <<< "${EXTRA_DENIED:-}"
for pattern in "${extra_rules[@]}"; do
  [ -n "$pattern" ] && rules+=("$pattern"$'\t'"listed in EXTRA_DENIED")
done

# One line per package: "name version|feature,feature". `(*)` marks repeats; drop them.
if ! graph="$(cargo "${tree_args[@]}" -e "$edges" --prefix none --format '{p}|{f}' 2>&1)"; then
  echo "check-occlum-deps: cargo tree failed:" >&2
  echo "$graph" >&2
  exit 2
fi
packages="$(awk -F'|' '{sub(/ \(\*\)$/, ""); split($1, p, " "); print p[1], p[2], $2}' \
  <<< "$graph" | sort -u)"

# Prints the first chain of an inverted tree: the denied node, then who requires it, down to
# the root. $1 is the start line as printed (without the depth prefix).
chain_from() {
  awk -v start="$1" '
    { match($0, /^[0-9]+/); depth = substr($0, 1, RLENGTH) + 0; node = substr($0, RLENGTH + 1)
      sub(/ \(\*\)$/, "", node); sub(/ \([^)]*\)$/, "", node) }
    !found && node == start { found = 1; want = depth + 1; out = node; next }
    found && depth == want { out = out " <- " node; want++; next }
    found && depth != want { exit }
    END { if (found) print out }'
}

violations=0
while IFS= read -r rule; do
  pattern="${rule%%$'\t'*}"
  reason="${rule#*$'\t'}"
  crate_glob="${pattern%%/*}"
  feature=""
  [[ "$pattern" == */* ]] && feature="${pattern#*/}"
  while read -r name version features; do
    [ -z "$name" ] && continue
    # shellcheck disable=SC2053 # the rule is a glob on purpose
    [[ "$name" == $crate_glob ]] || continue
    spec="$name@${version#v}"
    if [ -n "$feature" ]; then
      [[ ",$features," == *",$feature,"* ]] || continue
      echo "DENIED: $name $version with feature \"$feature\": $reason"
      inverted="$(cargo "${tree_args[@]}" -e "$edges,features" --prefix depth -i "$spec" \
        2>&1 < /dev/null)"
      start="$name feature \"$feature\""
    else
      echo "DENIED: $name $version: $reason"
      inverted="$(cargo "${tree_args[@]}" -e "$edges" --prefix depth -i "$spec" 2>&1 < /dev/null)"
      start="$name $version"
    fi
    echo "  required by: $(chain_from "$start" <<< "$inverted")"
    echo "  all paths:   cargo tree -p $package -e $edges${feature:+,features} --target $target -i $spec"
    violations=$((violations + 1))
  done <<< "$packages"
done < <(printf '%s\n' "${rules[@]}")

count="$(wc -l <<< "$packages" | tr -d ' ')"
if [ "$violations" -gt 0 ]; then
  echo "check-occlum-deps: $violations denied crate(s) in the graph of $package ($target)." >&2
  echo "See $deny_file for why; Occlum limits are described in occlum/README.md." >&2
  exit 1
fi
echo "check-occlum-deps: OK: $count packages in the normal graph of $package ($target), ${#rules[@]} rules, none denied."
