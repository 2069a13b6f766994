package main

// Pass 2, stops: what a function stops, whether a place runs after the stop
// of a goroutine's signal (given before it, by every caller, by a flag set
// with the stop, or by another goroutine).

import (
	"go/token"
	"go/types"
)

// stopKeys: what n and the functions it calls stop.
func (a *analysis) stopKeysOf(n *fnode) map[types.Object]bool {
	if n.stopMemo != nil {
		return n.stopMemo
	}
	if n.stopBusy {
		return nil
	}
	n.stopBusy = true
	out := map[types.Object]bool{}
	for _, s := range n.stops {
		keys := a.stopped(s)
		for k := range keys {
			out[k] = true
		}
		if len(keys) == 0 {
			out[nil] = true // a stop of something unknown
		}
	}
	for _, c := range n.calls {
		for k := range a.stopKeysOf(c.callee) {
			out[k] = true
		}
	}
	n.stopBusy = false
	n.stopMemo = out
	return out
}

// stops: a stop with keys stops what want holds (want nil: anything).
func stops(keys, want map[types.Object]bool) bool {
	if len(keys) == 0 {
		return false
	}
	if want == nil || keys[nil] {
		return true
	}
	return meets(keys, want)
}

// stoppedBefore: in n, a stop of want (its own, or in a function it
// calls) runs before the place at pos (deferred: at return).
func (a *analysis) stoppedBefore(n *fnode, pos token.Pos, deferred bool, want map[types.Object]bool) bool {
	earlier := func(p token.Pos, d bool) bool {
		if deferred {
			return !d || p > pos
		}
		return !d && p < pos
	}
	for _, s := range n.stops {
		if earlier(s.pos, s.deferred) && stops(a.stopped(s), want) {
			return true
		}
	}
	for _, c := range n.calls {
		if c.callee != n && earlier(c.pos, c.deferred) && stops(a.stopKeysOf(c.callee), want) {
			return true
		}
	}
	return !deferred && a.flagGuarded(n, pos, want)
}

// flagGuarded: the place at pos in n runs only under `if flag`, and flag
// (a bool field or variable, or a local copied from one) is set to true
// only by functions that also stop want: the flag says the stop was
// given (`if c.disconnected { c.heartbeatWg.Wait() }`, disconnected set
// where stopCh is closed).
func (a *analysis) flagGuarded(n *fnode, pos token.Pos, want map[types.Object]bool) bool {
	for _, g := range n.guards {
		if pos < g.body.Pos() || pos >= g.body.End() {
			continue
		}
		for _, k := range g.keys {
			if a.vouched(k, want) {
				return true
			}
		}
	}
	return false
}

// vouched: every value k may hold comes from a flag set to true only in
// functions that stop want (and at least one such function exists).
func (a *analysis) vouched(k types.Object, want map[types.Object]bool) bool {
	sets := 0
	for o := range a.reachOf(k) {
		if a.unknownSets[o] {
			return false
		}
		if v, ok := o.(*types.Var); ok && a.paramOwner[v] != nil && a.isRoot(a.paramOwner[v]) {
			return false // a parameter of an entry point: its callers are not all seen
		}
		for _, f := range a.trueSets[o] {
			if !stops(a.stopKeysOf(f), want) {
				return false
			}
			sets++
		}
	}
	return sets > 0
}

// enteredStopped: n is entered only after a stop of want: it is no entry
// point, and each call of it follows such a stop or sits in a function
// entered so (a cycle counts as stopped: the greatest fixpoint).
func (a *analysis) enteredStopped(n *fnode, want map[types.Object]bool, seen map[*fnode]bool) bool {
	if seen[n] {
		return true
	}
	seen[n] = true
	if a.isRoot(n) {
		return false
	}
	for _, c := range n.callers {
		if !a.stoppedBefore(c.caller, c.pos, c.deferred, want) && !a.enteredStopped(c.caller, want, seen) {
			return false
		}
	}
	return true
}

// stoppedByGoroutine: another member of the group, or a goroutine n
// starts before w, stops m's signal: m ends without the waiter's help
// (`go func() { defer wg.Done(); …; close(done) }()` beside a loop on
// done).
func (a *analysis) stoppedByGoroutine(n *fnode, pos token.Pos, m member, members []member, want map[types.Object]bool) bool {
	for _, o := range members {
		if o.fn != m.fn && stops(a.stopKeysOf(o.fn), want) {
			return true
		}
	}
	for _, g := range n.gos {
		if g.pos < pos && g.target != m.fn && stops(a.stopKeysOf(g.target), want) {
			return true
		}
	}
	return false
}

// signalKeys: what stopping a member means: the contexts and channels it
// ends on (nil when none is known: then any stop counts).
func (a *analysis) signalKeys(m member) map[types.Object]bool {
	var out map[types.Object]bool
	for _, sig := range m.life.signals {
		for k := range a.reachOf(sig.key) {
			if out == nil {
				out = map[types.Object]bool{}
			}
			out[k] = true
		}
	}
	return out
}
