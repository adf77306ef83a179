package rietest

import "syscall"

// sysProcAttr puts the emulator in a process group of its own (so that Stop
// can kill it and its bootstrap together) and has the kernel kill it should
// the test process die first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
