package main

// Pass 3, members: the goroutines a group counts, and the groups a
// goroutine is counted in.

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
)

// doneKeys: the groups n's goroutine calls Done on, itself or through the
// functions it calls, with where.
func (a *analysis) doneKeys(n *fnode) map[types.Object]token.Pos {
	if n.doneMemo != nil {
		return n.doneMemo
	}
	if n.doneBusy {
		return nil
	}
	n.doneBusy = true
	out := map[types.Object]token.Pos{}
	for _, d := range n.dones {
		if d.key != nil {
			out[d.key] = d.pos
		}
	}
	for _, c := range n.calls {
		for k, p := range a.doneKeys(c.callee) {
			if _, ok := out[k]; !ok {
				out[k] = p
			}
		}
	}
	n.doneBusy = false
	n.doneMemo = out
	return out
}

// member is a goroutine counted by a group.
type member struct {
	site *goSite
	fn   *fnode
	life lifetime
	done token.Pos
	// deferredDone: its Done on the group is deferred in its own body.
	deferredDone bool
	directDone   bool
}

// membersOf: the goroutines whose Done (or wg.Go) counts them in the group
// a Wait on key waits for.
func (a *analysis) membersOf(key types.Object) []member {
	if key == nil {
		return nil
	}
	want := a.reachOf(key)
	var out []member
	for _, n := range a.nodes {
		for _, g := range n.gos {
			var m *member
			if g.group != nil {
				if meets(want, a.reachOf(a.groupKeyExpr(g.group))) {
					m = &member{site: g, fn: g.target, done: g.pos}
				}
			} else {
				for k, p := range a.doneKeys(g.target) {
					if meets(want, a.reachOf(a.atSite(g, k))) {
						m = &member{site: g, fn: g.target, done: p}
						break
					}
				}
			}
			if m == nil {
				continue
			}
			for _, d := range g.target.dones {
				if d.key != nil && meets(want, a.reachOf(a.atSite(g, d.key))) {
					if !m.directDone || d.pos > m.done {
						m.done = d.pos // the last Done of its body
					}
					m.directDone = true
					m.deferredDone = m.deferredDone || d.deferred
				}
			}
			if g.group != nil {
				m.directDone, m.deferredDone = true, true // wg.Go calls Done after f returns
			}
			m.life = a.lifetimeOf(g.target)
			if m.life.long && g.group == nil {
				// Done (or a call that reaches it) before or inside its long
				// loop, none deferred: it leaves the group early (a "ready"
				// hand-shake), the group does not wait for its end.
				leaves, atEnd := token.NoPos, false
				for _, d := range g.target.dones {
					if d.key != nil && meets(want, a.reachOf(a.atSite(g, d.key))) {
						leaves, atEnd = max(leaves, d.pos), atEnd || d.deferred
					}
				}
				for _, c := range g.target.calls {
					for k := range a.doneKeys(c.callee) {
						if meets(want, a.reachOf(k)) {
							leaves, atEnd = max(leaves, c.pos), atEnd || c.deferred
						}
					}
				}
				if !atEnd && leaves != token.NoPos && leaves < m.life.end {
					m.life = lifetime{}
				}
			}
			out = append(out, *m)
		}
	}
	return out
}

// atSite: a group key as the goroutine started at g sees it: a parameter of
// its function is the argument g passes (go worker(&wg) → wg).
func (a *analysis) atSite(g *goSite, k types.Object) types.Object {
	if g.call == nil || g.target.obj == nil {
		return k
	}
	sig, ok := g.target.obj.Type().(*types.Signature)
	if !ok {
		return k
	}
	for i := 0; i < sig.Params().Len() && i < len(g.call.Args); i++ {
		if sig.Params().At(i) == k {
			if arg := a.key(g.call.Args[i]); arg != nil {
				return arg
			}
		}
	}
	return k
}

// groupKeyExpr: the key of a group expression (wg in wg.Go).
func (a *analysis) groupKeyExpr(e ast.Expr) types.Object { return a.key(e) }

// memberGroups: the groups the goroutine of g is counted in.
func (a *analysis) memberGroups(g *goSite) []types.Object {
	if g.group != nil {
		if k := a.key(g.group); k != nil {
			return []types.Object{k}
		}
		return nil
	}
	var out []types.Object
	for k := range a.doneKeys(g.target) {
		out = append(out, a.atSite(g, k))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos() < out[j].Pos() })
	return out
}
