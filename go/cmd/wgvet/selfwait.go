package main

// WG003: a goroutine counted by a group that reaches Wait on it before its
// own Done.

import (
	"fmt"
	"go/token"
	"go/types"
)

// selfWaits: WG003.
func (a *analysis) selfWaits() {
	waited := map[types.Object]bool{}
	for _, n := range a.nodes {
		for _, w := range n.waits {
			for o := range a.reachOf(w.key) {
				waited[o] = true
			}
		}
	}
	if len(waited) == 0 {
		return
	}
	for _, n := range a.nodes {
		for _, g := range n.gos {
			t := g.target
			for _, key := range a.memberGroups(g) {
				want := a.reachOf(key)
				if !meets(want, waited) {
					continue
				}
				// Done before the call path? Only a deferred Done (or
				// wg.Go's) keeps every call of the body before it.
				limit := token.NoPos
				deferred := g.group != nil
				for _, d := range t.dones {
					if d.key != nil && meets(want, a.reachOf(a.atSite(g, d.key))) {
						if d.deferred {
							deferred = true
						} else if d.pos > limit {
							limit = d.pos // the last Done: calls before it run before some Done
						}
					}
				}
				if !deferred && limit == token.NoPos {
					continue // Done only in a callee: order unknown
				}
				// Each call is followed once: a function entered through
				// several calls is judged for each (a call passing false to
				// the parameter a Wait is under does not reach it).
				seen := map[*callSite]bool{}
				type step struct {
					fn    *fnode
					first token.Pos // the call in t that leads here
					via   *callSite // the call that entered fn (nil: t)
				}
				queue := []step{{t, token.NoPos, nil}}
				for len(queue) > 0 {
					s := queue[0]
					queue = queue[1:]
					for _, w := range s.fn.waits {
						if a.flagged[w.call] || w.key == nil || !meets(want, a.reachOf(w.key)) ||
							a.passesFalse(s.via, w.guard) {
							continue
						}
						at := s.first
						if s.fn == t {
							at = w.call.Pos()
						}
						if !deferred && at > limit {
							continue
						}
						via := ""
						if s.fn != t {
							via = fmt.Sprintf(" through the call at %s", a.short(s.first))
						}
						a.report(RuleSelfWait, w.call, s.fn, fmt.Sprintf(
							"%s.Wait() in %s is reached from %s%s, which %s counts (started at %s): it waits for its own Done, which runs only after Wait returns",
							types.ExprString(w.recv), s.fn.name, t.name, via, types.ExprString(w.recv), a.short(g.pos)))
					}
					for _, c := range s.fn.calls {
						if !seen[c] && c.callee != t {
							seen[c] = true
							first := s.first
							if s.fn == t {
								first = c.pos
							}
							if !deferred && first > limit {
								continue
							}
							queue = append(queue, step{c.callee, first, c})
						}
					}
				}
			}
		}
	}
}
