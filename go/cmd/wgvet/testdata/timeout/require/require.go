// Package require stands for an assertion library's require package.
package require

// TestingT is what the assertions fail.
type TestingT interface{ FailNow() }

// FailNow fails the test and stops it.
func FailNow(t TestingT, msg string) { t.FailNow() }
