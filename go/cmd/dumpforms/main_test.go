package main

import (
	"os"
	"testing"
)

// TestHang hangs until go test's -timeout ends it, printing Go's test
// timeout form; it runs only with DUMPFORMS_HANG=1.
func TestHang(t *testing.T) {
	if os.Getenv("DUMPFORMS_HANG") != "1" {
		t.Skip("set DUMPFORMS_HANG=1 to hang until -timeout")
	}
	park()
	t.Log("parked; waiting for the timeout")
	select {}
}
