//go:build unix && !linux

package rietest

import "syscall"

// sysProcAttr puts the emulator in a process group of its own, so that Stop
// can kill it and its bootstrap together.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
