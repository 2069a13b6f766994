package main

// Pass 2, lifetimes: whether a goroutine's function ends only on a stop
// signal, or never.

import (
	"go/ast"
	"go/token"
	"go/types"
)

// lifetimeOf: whether n, run as a goroutine, ends only on a stop signal or
// never.
func (a *analysis) lifetimeOf(n *fnode) lifetime {
	if n.lifeDone {
		return n.life
	}
	n.lifeDone = true // a recursive call counts as ending
	for _, s := range n.body.List {
		if lt, ok := a.stmtLifetime(s); ok && lt.long {
			lt.end = s.End()
			n.life = lt
			break
		}
	}
	return n.life
}

// stmtLifetime: a top-level statement of a goroutine's function that, once
// reached, lasts until a stop signal or forever.
func (a *analysis) stmtLifetime(s ast.Stmt) (lifetime, bool) {
	label := ""
	if l, ok := s.(*ast.LabeledStmt); ok {
		label, s = l.Label.Name, l.Stmt
	}
	switch s := s.(type) {
	case *ast.ForStmt:
		var sigs []sigInfo
		if s.Cond != nil {
			sig, ok := a.condSignal(s.Cond)
			if !ok {
				return lifetime{}, false // ends on its own condition
			}
			sigs = append(sigs, sig)
		}
		return a.loopLifetime(s, s.Body, label, sigs)
	case *ast.RangeStmt:
		t := a.info.TypeOf(s.X)
		if t == nil {
			return lifetime{}, false
		}
		ch, ok := t.Underlying().(*types.Chan)
		if !ok || !isTime(ch.Elem()) {
			return lifetime{}, false // ends with its channel or collection
		}
		return a.loopLifetime(s, s.Body, label, nil) // a ticker: forever
	case *ast.SelectStmt:
		if len(s.Body.List) == 0 {
			return lifetime{long: true}, true // select {}
		}
		// One select, every case under a stop signal: waits for the stop.
		var sigs []sigInfo
		for _, c := range s.Body.List {
			cc := c.(*ast.CommClause)
			ch := recvOf(cc.Comm)
			if ch == nil {
				return lifetime{}, false
			}
			sig, ok := a.signalOf(ch)
			if !ok {
				return lifetime{}, false
			}
			sigs = append(sigs, sig)
		}
		return lifetime{long: true, signals: sigs}, true
	case *ast.ExprStmt:
		if ch := recvOf(s); ch != nil {
			if sig, ok := a.signalOf(ch); ok {
				return lifetime{long: true, signals: []sigInfo{sig}}, true
			}
			return lifetime{}, false
		}
		if call, ok := unparen(s.X).(*ast.CallExpr); ok {
			if fn := a.callee(call.Fun); fn != nil {
				if t := a.decls[origin(fn)]; t != nil {
					lt := a.lifetimeOf(t)
					return lt, lt.long
				}
			}
		}
	}
	return lifetime{}, false
}

// loopLifetime: a loop lasts until a stop when each of its exits (return,
// break, goto, runtime.Goexit) is under a stop signal; with none, forever.
func (a *analysis) loopLifetime(loop ast.Stmt, body *ast.BlockStmt, label string, sigs []sigInfo) (lifetime, bool) {
	finite := false
	inspect(body, func(n ast.Node, stack []ast.Node) bool {
		if finite {
			return false
		}
		exit := false
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			exit = true
		case *ast.BranchStmt:
			switch x.Tok {
			case token.GOTO:
				exit = true
			case token.BREAK:
				if x.Label != nil {
					exit = x.Label.Name == label
				} else {
					exit = !breakable(stack)
				}
			}
		case *ast.CallExpr:
			if fn := a.callee(x.Fun); fn != nil && isFunc(fn, "runtime", "Goexit") {
				exit = true
			}
		}
		if !exit {
			return true
		}
		sig, ok := a.exitSignal(append(stack, n))
		if !ok {
			finite = true
			return false
		}
		sigs = append(sigs, sig)
		return false
	})
	if finite {
		return lifetime{}, false
	}
	return lifetime{long: true, signals: sigs}, true
}

// breakable: a break at the end of stack leaves an inner for, switch or
// select, not the loop being judged (stack starts at its body).
func breakable(stack []ast.Node) bool {
	for _, n := range stack {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			return true
		}
	}
	return false
}

// exitSignal: the stop signal an exit (last in path) is under, if any.
func (a *analysis) exitSignal(path []ast.Node) (sigInfo, bool) {
	for i := len(path) - 2; i >= 0; i-- {
		switch s := path[i].(type) {
		case *ast.CommClause:
			if ch := recvOf(s.Comm); ch != nil {
				if sig, ok := a.signalOf(ch); ok {
					return sig, true
				}
			}
		case *ast.IfStmt:
			if path[i+1] == s.Body {
				if sig, ok := a.condSignal(s.Cond); ok {
					return sig, true
				}
				if s.Init != nil {
					if sig, ok := a.condSignal(s.Init); ok {
						return sig, true
					}
				}
			}
		}
		for _, prev := range before(path[i], path[i+1]) {
			if ch := recvOf(prev); ch != nil {
				if sig, ok := a.signalOf(ch); ok {
					return sig, true
				}
			}
		}
	}
	return sigInfo{}, false
}
