// Command pulumi-resource-kubernetes is the upstream provider's main package,
// rebuilt here because the upstream one embeds generated, git-ignored files.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

// Written next to this file by the build from the provider module's schema.json
// (with the version stamped in) and terraform-mapping.json; never committed.
//
//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
