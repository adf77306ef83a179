//go:build !(linux || darwin)

package main

// takeTerminal does nothing here: Ctrl-C reaches make too, which then ends
// by the signal.
func takeTerminal() (handBack func()) { return func() {} }
