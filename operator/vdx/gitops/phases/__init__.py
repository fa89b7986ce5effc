"""Each kind's offline gatherer for `vdx plan`: the tree, `--secrets` and the observed lists in, the
kind's one `decide` called, its changes added to the plan as steps. A kind's registration names its
`plan` (and `removed`, for what the tree no longer has); `gitops.planning` runs them in the order the
registrations' `plan_reads` give."""
