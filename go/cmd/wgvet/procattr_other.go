//go:build !linux

package main

import "os/exec"

// stopWithParent: only Linux can tie a child's life to its parent's; on
// other systems the go command runs to its end.
func stopWithParent(*exec.Cmd) {}
