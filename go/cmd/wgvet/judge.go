package main

// Pass 3, the rules on each Wait: WG001 (two lifecycles), WG004 (wait
// before the stop) and WG005 (wait inside the spawning loop); WG002 and
// WG003 have their own files.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

func (a *analysis) judge() {
	// WG003 first: a member that reaches Wait on its own group.
	a.selfWaits()
	for _, n := range a.nodes {
		for _, w := range n.waits {
			a.stats.Waits++
			if a.flagged[w.call] || w.key == nil {
				continue
			}
			members := a.membersOf(w.key)
			if len(members) > 0 {
				a.stats.WithMembers++
			}
			var long, short []member
			for _, m := range members {
				if m.life.long {
					long = append(long, m)
				} else {
					short = append(short, m)
				}
			}
			if len(long) > 0 {
				a.stats.WithLong++
			}
			if a.timeoutWaiter(w, len(long) > 0) || a.waitInSpawningLoop(w, members) {
				continue
			}
			if w.observed {
				if len(long) > 0 {
					a.stats.Observed++
				}
				continue
			}
			// The long-lived members not stopped before this Wait, nor by
			// another goroutine: one of the group, or one the waiting
			// function started before it waits.
			var alive []member
			for _, m := range long {
				if len(m.life.signals) > 0 {
					want := a.signalKeys(m)
					if a.stoppedBefore(n, w.call.Pos(), w.deferred, want) || a.enteredStopped(n, want, map[*fnode]bool{}) ||
						a.stoppedByGoroutine(n, w.call.Pos(), m, members, want) {
						continue
					}
				}
				alive = append(alive, m)
			}
			if len(alive) == 0 {
				if len(long) > 0 {
					a.stats.StoppedFirst++
				}
				continue
			}
			long = alive
			if a.waitBeforeStop(w, long) {
				continue
			}
			if !w.inLoop && !n.repeated {
				a.stats.Once++
				continue
			}
			why := n.name + " " + n.repeatWhy
			if w.inLoop {
				why = "the Wait is in a loop"
			}
			m := long[0]
			msg := fmt.Sprintf("%s.Wait() in %s cannot return while %s runs: %s also counts %s, "+
				"which %s, and %s",
				types.ExprString(w.recv), n.name, m.fn.name, types.ExprString(w.recv), a.describe(m),
				endsOn(m.life), why)
			if len(short) > 0 {
				msg += fmt.Sprintf("; give %s its own WaitGroup", short[0].fn.name)
			} else {
				msg += "; stop it before waiting"
			}
			a.report(RuleTwoLifecycles, w.call, n, msg)
		}
	}
}

// describe: "heartbeat (started at buggy.go:21)", or "the goroutine at
// x.go:18" for a literal.
func (a *analysis) describe(m member) string {
	if m.fn.lit != nil {
		return m.fn.name
	}
	return fmt.Sprintf("%s (started at %s)", m.fn.name, a.short(m.site.pos))
}

func endsOn(lt lifetime) string {
	if len(lt.signals) == 0 {
		return "never returns"
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range lt.signals {
		if !seen[s.text] {
			seen[s.text] = true
			names = append(names, s.text)
		}
	}
	return "returns only on " + strings.Join(names, " or ")
}

// waitInSpawningLoop: WG005. w sits in the loop that starts the group's
// goroutines, and their Add is done once, before the loop: the first Wait
// waits for goroutines the loop has not started yet.
func (a *analysis) waitInSpawningLoop(w *waitSite, members []member) bool {
	if len(w.loops) == 0 || w.deferred {
		return false
	}
	loop := w.loops[len(w.loops)-1]
	n := w.fn
	var started *member
	for i, m := range members {
		if m.site.in == n && m.site.group == nil && m.site.pos < w.call.Pos() && holds(m.site.loops, loop) {
			started = &members[i]
			break
		}
	}
	if started == nil {
		return false
	}
	want := a.reachOf(w.key)
	var before *addSite
	for i, ad := range n.adds {
		if ad.key == nil || !meets(want, a.reachOf(ad.key)) {
			continue
		}
		if holds(ad.loops, loop) {
			return false // an Add per iteration: the Wait only serializes
		}
		if ad.pos < loop.Pos() && before == nil {
			before = &n.adds[i]
		}
	}
	if before == nil {
		return false
	}
	a.report(RuleWaitInLoop, w.call, n, fmt.Sprintf(
		"%s.Wait() in %s runs inside the loop that starts %s, but their Add is done once before the loop, at %s: the first Wait waits for goroutines the loop has not started yet and never returns; wait after the loop",
		types.ExprString(w.recv), n.name, started.fn.name, a.short(before.pos)))
	return true
}

func holds(nodes []ast.Node, n ast.Node) bool {
	for _, x := range nodes {
		if x == n {
			return true
		}
	}
	return false
}

// waitBeforeStop: WG004. A long-lived member ends on a signal that this
// function gives only after the Wait.
func (a *analysis) waitBeforeStop(w *waitSite, long []member) bool {
	if w.deferred {
		return false
	}
	n := w.fn
	for _, m := range long {
		for _, sig := range m.life.signals {
			sigKeys := a.reachOf(sig.key)
			if len(sigKeys) == 0 {
				continue
			}
			at := token.NoPos
			for _, s := range n.stops {
				if s.pos > w.call.Pos() && !s.deferred && meets(sigKeys, a.stopped(s)) {
					at = s.pos
					break
				}
			}
			for _, c := range n.calls {
				if at == token.NoPos && c.pos > w.call.Pos() && !c.deferred && c.callee != n && meets(sigKeys, a.stopKeysOf(c.callee)) {
					at = c.pos
				}
			}
			if at != token.NoPos {
				a.report(RuleWaitBeforeStop, w.call, n, fmt.Sprintf(
					"%s.Wait() in %s waits for %s, which returns only on %s, and %s gives that signal only after the Wait, at %s: cancel or close first, then wait",
					types.ExprString(w.recv), n.name, a.describe(m), sig.text, n.name, a.short(at)))
				return true
			}
		}
	}
	return false
}
