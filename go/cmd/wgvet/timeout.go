package main

// WG002: a Wait in a goroutine raced by a timeout, and the waiter it
// leaves behind.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strings"
)

// timeoutWaiter: WG002. w is `go func() { wg.Wait(); close(done) }()` and
// done is raced against a timeout in a select of the function that started
// it. It says whether w is such a waiter; it reports one when the group
// holds a long-lived goroutine not stopped before the waiter starts, or
// when the group comes from outside the package (its goroutines unseen).
// A group whose goroutines all end on their own, or were stopped first,
// lets the waiter end with them: a bounded wait, not flagged.
func (a *analysis) timeoutWaiter(w *waitSite, hasLong bool) bool {
	n := w.fn
	if n.lit == nil || n.use != useGo || n.parent == nil || w.deferred {
		return false
	}
	// The signal the waiter gives: close(done) or done <- v, after the
	// Wait (or deferred).
	var done types.Object
	inspect(n.body, func(x ast.Node, stack []ast.Node) bool {
		if done != nil {
			return false
		}
		switch x := x.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := unparen(x.Fun).(*ast.Ident); ok && len(x.Args) == 1 {
				if b, ok := a.info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					if x.Pos() > w.call.Pos() || len(stack) > 0 && isDeferOf(stack[len(stack)-1], x) {
						done = a.key(x.Args[0])
					}
				}
			}
		case *ast.SendStmt:
			if x.Pos() > w.call.Pos() {
				done = a.key(x.Chan)
			}
		}
		return true
	})
	if done == nil {
		return false
	}
	want := a.reachOf(done)
	var timeout ast.Node
	inspect(n.parent.body, func(x ast.Node, stack []ast.Node) bool {
		if timeout != nil {
			return false
		}
		switch x := x.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			if t := a.racedTimeout(x, want, inLoop(append(stack, x))); t != nil {
				timeout = t
				return false
			}
		}
		return true
	})
	if timeout == nil {
		return false
	}
	alive, known := a.aliveAtWaiter(w)
	if known && len(alive) == 0 {
		if hasLong {
			a.stats.StoppedFirst++
		}
		return true
	}
	msg := fmt.Sprintf("%s.Wait() in %s is raced by the timeout at %s: when the timeout wins, this goroutine stays blocked in Wait",
		types.ExprString(w.recv), n.name, a.short(timeout.Pos()))
	if len(alive) > 0 {
		m := alive[0]
		msg += fmt.Sprintf(", and %s also counts %s, which %s, so it stays until that stops; give the goroutines waited for their own WaitGroup",
			types.ExprString(w.recv), a.describe(m), endsOn(m.life))
	} else {
		msg += " until the whole group is done"
	}
	a.report(RuleWaitTimeout, w.call, n, msg)
	return true
}

// aliveAtWaiter: the long-lived goroutines of the group a timeout waiter
// waits on that are not stopped when it starts, and whether the group is
// known (made in this package, its goroutines seen). A group passed to the
// function that starts the waiter (a helper `waitTimeout(wg, d)`, not an
// entry point) is judged at each call, with the group that call passes.
func (a *analysis) aliveAtWaiter(w *waitSite) ([]member, bool) {
	p, pos := w.fn.parent, w.fn.usePos
	if v, ok := w.key.(*types.Var); ok && a.paramOwner[v] == p && !a.isRoot(p) {
		idx := -1
		if sig := a.sigOf(p); sig != nil {
			for i := 0; i < sig.Params().Len(); i++ {
				if sig.Params().At(i) == v {
					idx = i
				}
			}
		}
		var alive []member
		known := idx >= 0
		for _, c := range p.callers {
			if idx < 0 || idx >= len(c.args) {
				known = false
				continue
			}
			al, kn := a.aliveAt(c.caller, c.pos, c.deferred, a.key(c.args[idx]))
			alive = append(alive, al...)
			known = known && kn
		}
		return alive, known
	}
	return a.aliveAt(p, pos, false, w.key)
}

// aliveAt: the long-lived goroutines of the group key that are not
// stopped at pos in n (by n, its callers, a flag, or another goroutine),
// and whether the group is known: not from outside the package, and
// either its goroutines found or held by the functions that Add to it.
func (a *analysis) aliveAt(n *fnode, pos token.Pos, deferred bool, key types.Object) ([]member, bool) {
	if key == nil {
		return nil, false
	}
	members := a.membersOf(key)
	known := !a.fromOutside(key) && (len(members) > 0 || a.heldInPlace(key))
	var alive []member
	for _, m := range members {
		if !m.life.long {
			continue
		}
		if len(m.life.signals) > 0 {
			want := a.signalKeys(m)
			if a.stoppedBefore(n, pos, deferred, want) || a.enteredStopped(n, want, map[*fnode]bool{}) ||
				a.stoppedByGoroutine(n, pos, m, members, want) {
				continue
			}
		}
		alive = append(alive, m)
	}
	return alive, known
}

// fromOutside: the group may come from outside the package: a parameter
// of an entry point is among its sources.
func (a *analysis) fromOutside(key types.Object) bool {
	for o := range a.reachOf(key) {
		if v, ok := o.(*types.Var); ok && a.paramOwner[v] != nil && a.isRoot(a.paramOwner[v]) {
			return true
		}
	}
	return false
}

// heldInPlace: the group has no goroutine, and every function that Adds
// to it also calls Done on it (it counts work of its own functions), or
// nothing Adds to it (Wait returns at once).
func (a *analysis) heldInPlace(key types.Object) bool {
	want := a.reachOf(key)
	for _, n := range a.nodes {
		added := false
		for _, ad := range n.adds {
			if ad.key != nil && meets(want, a.reachOf(ad.key)) {
				added = true
			}
		}
		if !added {
			continue
		}
		done := false
		for _, d := range n.dones {
			if d.key != nil && meets(want, a.reachOf(d.key)) {
				done = true
			}
		}
		if !done {
			return false
		}
	}
	return true
}

// racedTimeout: in sel, a case receives from done (want) and another from
// a timeout (time.After, a timer, a context) that moves on; that case, or
// nil.
func (a *analysis) racedTimeout(sel *ast.SelectStmt, want map[types.Object]bool, loop bool) ast.Node {
	hasDone := false
	var timeout *ast.CommClause
	for _, s := range sel.Body.List {
		cc := s.(*ast.CommClause)
		ch := recvOf(cc.Comm)
		if ch == nil {
			continue
		}
		if k := a.key(ch); k != nil && meets(want, a.reachOf(k)) {
			hasDone = true
			continue
		}
		if a.isTimeout(ch) && (!loop || leaves(cc.Body)) && !fails(a, cc.Body) {
			timeout = cc
		}
	}
	if hasDone && timeout != nil {
		return timeout
	}
	return nil
}

// isTimeout: time.After(d), timer.C, time.NewTimer(d).C, ctx.Done().
func (a *analysis) isTimeout(ch ast.Expr) bool {
	ch = unparen(ch)
	if call, ok := ch.(*ast.CallExpr); ok {
		if fn := a.callee(call.Fun); fn != nil && isFunc(fn, "time", "After") {
			return true
		}
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Done" && a.hasDone(sel.X) {
			return true
		}
		return false
	}
	if sel, ok := ch.(*ast.SelectorExpr); ok && sel.Sel.Name == "C" {
		t := a.info.TypeOf(sel.X)
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" &&
			n.Obj().Name() == "Timer" {
			return true
		}
	}
	return false
}

// leaves: a case body that returns, breaks or jumps away.
func leaves(body []ast.Stmt) bool {
	found := false
	for _, s := range body {
		ast.Inspect(s, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				found = true
			case *ast.BranchStmt:
				if x.Tok == token.BREAK || x.Tok == token.GOTO {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

var (
	failing    = regexp.MustCompile(`^(Fatal|Fatalf|Error|Errorf|FailNow|Fail|Skip|Skipf|SkipNow)$`)
	fatal      = regexp.MustCompile(`^(Fatal|Fatalf|Fatalln|FailNow)$`)
	assertFail = regexp.MustCompile(`^(Fail|Failf|FailNow|FailNowf)$`)
)

// fails: a case body that fails a test or ends the process (t.Fatal,
// t.Error, panic, log.Fatal, os.Exit): the waiter left behind lives only in
// a run that already failed.
func fails(a *analysis, body []ast.Stmt) bool {
	found := false
	for _, s := range body {
		ast.Inspect(s, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || found {
				return !found
			}
			if id, ok := unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := a.info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					found = true
				}
			}
			// By name, whatever the package and even untyped (an
			// assertion library that could not be loaded): t.Fatal,
			// require.FailNow, assert.Fail.
			if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok {
				name := sel.Sel.Name
				x, _ := unparen(sel.X).(*ast.Ident)
				if fatal.MatchString(name) || x != nil && (x.Name == "require" || x.Name == "assert") && assertFail.MatchString(name) {
					found = true
					return false
				}
			}
			fn := a.callee(call.Fun)
			if fn == nil {
				return true
			}
			switch {
			case fn.Pkg() != nil && fn.Pkg().Path() == "testing" && failing.MatchString(fn.Name()):
				found = true
			case fn.Pkg() != nil && fn.Pkg().Path() == "log" && (strings.HasPrefix(fn.Name(), "Fatal") || strings.HasPrefix(fn.Name(), "Panic")):
				found = true
			case isFunc(fn, "os", "Exit"):
				found = true
			}
			return !found
		})
	}
	return found
}
