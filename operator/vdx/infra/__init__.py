"""The cluster side of vdx-operator as a Pulumi program, its CrossGuard rules and its toolchain.

* `settings` reads and checks the stack configuration (prod images pinned by digest, ...);
* `rbac`, `manifests`, `crds` build plain Kubernetes objects (pure, unit-tested without Pulumi);
* `program` turns them into Pulumi resources; `stacks/__main__.py` only calls it;
* `policy` holds the CrossGuard rules that `policies/stack-pack/` packs;
* `toolchain` builds the Pulumi CLI and the Kubernetes provider plugin from Go modules.

Nothing is imported here, so `vdx stacks build` does not pay for importing Pulumi.
"""
