"""vdx-operator: the GitOps control plane for VDX on Pexip Infinity."""
