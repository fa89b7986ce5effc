#!/usr/bin/env bash
# Re-pin the Pulumi wrapper modules: the CLI release and the Kubernetes provider commit.
#
# Usage: tools/pulumi/sync.sh [CLI_VERSION [PROVIDER_VERSION]]
#   CLI_VERSION       e.g. v3.274.1 (github.com/pulumi/pulumi/pkg/v3 and sdk/v3 at the same tag)
#   PROVIDER_VERSION  a pseudo-version of github.com/pulumi/pulumi-kubernetes/provider/v4 (the
#                     repository never tags provider/v4.x.y, so only pseudo-versions resolve)
# With no arguments the current pins are kept and both modules are re-tidied.
# Afterwards commit cli/go.mod, cli/go.sum, kubernetes/go.mod, kubernetes/go.sum.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
current() { (cd "$1" && go list -m -f '{{.Version}}' "$2"); }
cli_version="${1:-$(current "$here/cli" github.com/pulumi/pulumi/pkg/v3)}"
provider_version="${2:-$(current "$here/kubernetes" github.com/pulumi/pulumi-kubernetes/provider/v4)}"

cd "$here/cli"
go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$cli_version" -require="github.com/pulumi/pulumi/sdk/v3@$cli_version"
# pkg/v3's own go.mod replaces atotto/clipboard with Pulumi's fork; as a dependency that replace is
# ignored, so copy it here to build what a release build builds.
upstream="$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$cli_version" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')"
fork="$(sed -n 's#^replace github.com/atotto/clipboard => \(.*\) \(v[^ ]*\)$#\1@\2#p' "$upstream")"
go mod edit -dropreplace=github.com/atotto/clipboard
[[ -n "$fork" ]] && go mod edit -replace="github.com/atotto/clipboard=$fork"
go mod tidy

cd "$here/kubernetes"
go mod edit -require="github.com/pulumi/pulumi-kubernetes/provider/v4@$provider_version"
# main.go embeds files the build generates; tidy only needs them to exist.
trap 'rm -f schema-embed.json terraform-mapping-embed.json' EXIT
echo '{}' >schema-embed.json
echo '{}' >terraform-mapping-embed.json
go mod tidy
echo "pinned pulumi $cli_version, pulumi-resource-kubernetes $provider_version"
