//go:build !unix

package motoserver

import "syscall"

// ownProcessGroup: elsewhere moto shares the process group.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
