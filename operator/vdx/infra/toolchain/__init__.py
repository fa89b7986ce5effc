"""The Pulumi CLI and the pulumi-resource-kubernetes plugin, built from Go modules like the control plane.

There is no download site here, so `pulumi` comes from `github.com/pulumi/pulumi/pkg/v3` and the
provider from `github.com/pulumi/pulumi-kubernetes/provider/v4`, each through a wrapper module in
`tools/pulumi/`, into `<user cache>/vdx-operator/pulumi/<versions-key>/bin/`.
"""
