//go:build tools

// Package tools keeps sigs.k8s.io/kwok/cmd/kwok in this module's build list, pinned by go.mod.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
