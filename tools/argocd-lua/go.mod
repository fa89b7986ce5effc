module vdx.medcom.dk/tools/argocd-lua

go 1.23

require github.com/yuin/gopher-lua v1.1.1
