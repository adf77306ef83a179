//go:build linux || darwin

package main

import (
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// takeTerminal makes this process the terminal's foreground process group,
// so that Ctrl-C interrupts only it, and returns what hands the terminal
// back. Otherwise `make run` would end by SIGINT (status 130) whatever this
// program does: GNU make, in the foreground group too, waits for its child
// and then kills itself with the signal. It does nothing when this process
// is not in the foreground of a controlling terminal.
func takeTerminal() (handBack func()) {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return func() {}
	}
	fd := int(tty.Fd())
	previous, err := foregroundGroup(fd)
	// Already leading the foreground group (run from a shell, not by make),
	// or in the background: nothing to do.
	if err != nil || previous != syscall.Getpgrp() || previous == syscall.Getpid() {
		tty.Close()
		return func() {}
	}
	// A background group that sets the foreground gets SIGTTOU, which would
	// stop it: ignored for that call.
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	if err := syscall.Setpgid(0, 0); err != nil {
		tty.Close()
		return func() {}
	}
	if err := setForegroundGroup(fd, syscall.Getpgrp()); err != nil {
		syscall.Setpgid(0, previous) // back where Ctrl-C reaches it
		tty.Close()
		return func() {}
	}
	// Ctrl-Z would stop this group alone, out of the shell's sight (it waits
	// for make), leaving the terminal to a stopped program.
	signal.Ignore(syscall.SIGTSTP)
	return func() {
		signal.Ignore(syscall.SIGTTOU)
		setForegroundGroup(fd, previous)
		tty.Close()
	}
}

func foregroundGroup(fd int) (int, error) {
	var pgid int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgid))); errno != 0 {
		return 0, errno
	}
	return int(pgid), nil
}

func setForegroundGroup(fd, pgid int) error {
	id := int32(pgid)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(syscall.TIOCSPGRP), uintptr(unsafe.Pointer(&id))); errno != 0 {
		return errno
	}
	return nil
}
