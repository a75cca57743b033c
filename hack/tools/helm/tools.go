//go:build tools

// Package tools keeps helm.sh/helm/v4/cmd/helm in this module's build list, pinned by go.mod.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
