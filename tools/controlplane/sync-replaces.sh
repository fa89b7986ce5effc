#!/usr/bin/env bash
# Pin the Go wrapper modules to one Kubernetes release and one etcd release.
#
# Why a script: k8s.io/kubernetes requires its ~33 staging modules (k8s.io/api,
# k8s.io/apiserver, ...) at the placeholder version v0.0.0 and resolves them with
# `=> ./staging/src/k8s.io/<m>` replaces that do not apply to consumers.  Every
# consumer must therefore replace each staging module with its published
# release (v1.M.P -> v0.M.P).  The list changes between releases (1.36 added
# k8s.io/streaming and k8s.io/cri-streaming), so it is derived here from the
# release's own go.mod as served by the module proxy instead of being kept by
# hand (kubernetes/kubernetes#79384).
#
# Usage: tools/controlplane/sync-replaces.sh [K8S_VERSION [ETCD_VERSION]]
#   With no arguments the versions already pinned in the go.mod files are kept.
# Afterwards commit kubernetes/go.mod, kubernetes/go.sum, etcd/go.mod, etcd/go.sum.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_dir="$here/kubernetes"
etcd_dir="$here/etcd"

current() { # module-dir module-path -> version pinned in its go.mod (or empty)
    (cd "$1" && go mod edit -json | python3 -c '
import json, sys
mod = sys.argv[1]
for r in json.load(sys.stdin).get("Require") or []:
    if r["Path"] == mod:
        print(r["Version"])
' "$2")
}

k8s_version="${1:-$(current "$k8s_dir" k8s.io/kubernetes)}"
etcd_version="${2:-$(current "$etcd_dir" go.etcd.io/etcd/server/v3)}"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || {
    echo "need a released k8s.io/kubernetes version like v1.37.2, got '$k8s_version'" >&2
    exit 2
}
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"

# The go.mod that the proxy serves for this exact release.
upstream_gomod="$(cd "$k8s_dir" && go mod download -json "k8s.io/kubernetes@$k8s_version" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')"
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#\1#p' "$upstream_gomod" | sort -u)
((${#staging[@]} > 0)) || { echo "no staging replaces found in $upstream_gomod" >&2; exit 1; }

cd "$k8s_dir"
# Drop every k8s.io replace first so modules that left staging do not linger.
for old in $(go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["Old"]["Path"].startswith("k8s.io/"):
        print(r["Old"]["Path"])
'); do
    go mod edit -dropreplace="$old"
done
args=()
for m in "${staging[@]}"; do
    args+=("-replace=$m=$m@$staging_version")
done
go mod edit "${args[@]}"
go mod edit -require="k8s.io/kubernetes@$k8s_version"
go mod tidy
echo "kubernetes: k8s.io/kubernetes $k8s_version with ${#staging[@]} staging replaces at $staging_version"

cd "$etcd_dir"
go mod edit -require="go.etcd.io/etcd/server/v3@$etcd_version"
go mod tidy
echo "etcd: go.etcd.io/etcd/server/v3 $etcd_version"
