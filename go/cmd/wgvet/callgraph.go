package main

// Pass 2, the call graph: calls through function values and interfaces
// resolved, callers linked, which functions run again and again, which
// may be entered from outside.

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
)

func (n *fnode) markRepeated(why string) {
	if !n.repeated {
		n.repeated, n.repeatWhy = true, why
	}
}

func (a *analysis) derive() {
	a.resolveDynamic()
	for _, n := range a.nodes {
		if sig := a.sigOf(n); sig != nil {
			for i := 0; i < sig.Params().Len(); i++ {
				a.paramOwner[sig.Params().At(i)] = n
			}
		}
	}
	a.goTargets = map[*fnode]bool{}
	for _, n := range a.nodes {
		for _, c := range n.calls {
			c.callee.callers = append(c.callee.callers, c)
		}
		for _, g := range n.gos {
			a.goTargets[g.target] = true
		}
	}
	// Which functions run again and again.
	for _, n := range a.nodes {
		if n.use == useAfterFunc {
			n.markRepeated("runs on a timer")
		}
		for _, c := range n.calls {
			if c.inLoop {
				c.callee.markRepeated(fmt.Sprintf("is called in a loop at %s", a.short(c.pos)))
			}
		}
		for _, g := range n.gos {
			if g.inLoop {
				g.target.markRepeated(fmt.Sprintf("is started in a loop at %s", a.short(g.pos)))
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range a.nodes {
			if !n.repeated {
				continue
			}
			for _, c := range n.calls {
				if !c.callee.repeated {
					c.callee.markRepeated(fmt.Sprintf("is called by %s, which %s", n.name, n.repeatWhy))
					changed = true
				}
			}
			for _, g := range n.gos {
				if !g.target.repeated {
					g.target.markRepeated(fmt.Sprintf("is started by %s, which %s", n.name, n.repeatWhy))
					changed = true
				}
			}
		}
	}
}

// implementations: for a method of an interface declared in this package,
// the methods of the package's types that implement the interface.
func (a *analysis) implementations(fn *types.Func) []*fnode {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return nil
	}
	named, ok := sig.Recv().Type().(*types.Named)
	if !ok || named.Obj().Pkg() != a.u.Pkg || a.u.Pkg == nil {
		return nil
	}
	iface, ok := named.Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	var out []*fnode
	for obj, t := range a.decls {
		msig, ok := obj.Type().(*types.Signature)
		if obj.Name() != fn.Name() || !ok || msig.Recv() == nil {
			continue
		}
		rt := msig.Recv().Type()
		if p, ok := rt.(*types.Pointer); ok {
			rt = p.Elem()
		}
		if _, isIface := rt.Underlying().(*types.Interface); isIface {
			continue
		}
		if types.Implements(rt, iface) || types.Implements(types.NewPointer(rt), iface) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].body.Pos() < out[j].body.Pos() })
	return out
}

// resolveDynamic turns calls through function values into call sites (and
// go sites) of every function of the package stored where the call reads.
func (a *analysis) resolveDynamic() {
	if len(a.dynCalls) == 0 || len(a.funcVals) == 0 {
		return
	}
	litNode := map[*ast.FuncLit]*fnode{}
	for _, n := range a.nodes {
		if n.lit != nil {
			litNode[n.lit] = n
		}
	}
	funcsOf := map[types.Object][]*fnode{}
	for _, fv := range a.funcVals {
		var t *fnode
		if lit, ok := unparen(fv.expr).(*ast.FuncLit); ok {
			t = litNode[lit]
		} else if fn := a.callee(fv.expr); fn != nil {
			t = a.decls[origin(fn)]
			if t != nil {
				t.referenced = true
			}
		}
		if t != nil {
			funcsOf[fv.obj] = append(funcsOf[fv.obj], t)
		}
	}
	for _, d := range a.dynCalls {
		seen := map[*fnode]bool{}
		for o := range a.reachOf(d.key) {
			for _, t := range funcsOf[o] {
				if seen[t] {
					continue
				}
				seen[t] = true
				if d.under {
					d.caller.gos = append(d.caller.gos, &goSite{pos: d.pos, in: d.caller, target: t, inLoop: d.inLoop, loops: d.loops})
				} else {
					d.caller.calls = append(d.caller.calls, &callSite{caller: d.caller, callee: t, pos: d.pos,
						inLoop: d.inLoop, deferred: d.deferred, args: d.args})
				}
			}
		}
	}
}

// isRoot: n may be entered from outside what the check sees: exported,
// used as a value, a goroutine, a callback, or never called here.
func (a *analysis) isRoot(n *fnode) bool {
	if n.lit != nil {
		return n.use != useCall && n.use != useDefer && n.use != useSync
	}
	return n.obj == nil || n.obj.Exported() || n.referenced || len(n.callers) == 0 || a.goTargets[n]
}
