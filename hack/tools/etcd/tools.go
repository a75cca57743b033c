//go:build tools

// Package tools keeps etcd's main package in this module's build list, pinned by go.mod.
package tools

import _ "go.etcd.io/etcd/server/v3"
