//go:build tools

// Package tools only records the medusa dependency (see go.mod); nothing here is built.
package tools

import _ "github.com/crytic/medusa"
