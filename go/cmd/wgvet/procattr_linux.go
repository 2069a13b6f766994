package main

import (
	"os/exec"
	"syscall"
)

// stopWithParent has the kernel interrupt cmd when wgvet dies, however it
// dies (killed by `leakscope vet` on Ctrl-C, for one).
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT}
}
