//go:build tools

// Package tools keeps the kubelet in this module's build list. The go.mod is the control plane's
// (test/tools/kube) with another module name, so the kubelet builds from the same dependency
// versions and reuses the Go build cache the control plane's build left.
package tools

import _ "k8s.io/kubernetes/cmd/kubelet"
