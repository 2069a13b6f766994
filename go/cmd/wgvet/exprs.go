package main

// What an expression is: the function a call denotes, a stop signal, a
// cancel, a flag, a check of a stop already given.

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strings"
)

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// callee is the function or method a call expression's function denotes,
// or nil (a function value, a builtin, a conversion).
func (a *analysis) callee(fun ast.Expr) *types.Func {
	switch f := unparen(fun).(type) {
	case *ast.Ident:
		fn, _ := a.info.Uses[f].(*types.Func)
		return fn
	case *ast.SelectorExpr:
		if sel := a.info.Selections[f]; sel != nil {
			if sel.Kind() == types.FieldVal {
				return nil
			}
			fn, _ := sel.Obj().(*types.Func)
			return fn
		}
		fn, _ := a.info.Uses[f.Sel].(*types.Func)
		return fn
	case *ast.IndexExpr:
		return a.callee(f.X)
	case *ast.IndexListExpr:
		return a.callee(f.X)
	}
	return nil
}

func origin(fn *types.Func) *types.Func { return fn.Origin() }

func isFunc(fn *types.Func, pkg, name string) bool {
	return fn.Pkg() != nil && fn.Pkg().Path() == pkg && fn.Name() == name &&
		fn.Type().(*types.Signature).Recv() == nil
}

// isMethod: fn is method name of pkg's type typ (value or pointer receiver).
func isMethod(fn *types.Func, pkg, typ, name string) bool {
	if name != "" && fn.Name() != name {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return false
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == typ
}

func isGroupMethod(fn *types.Func, name string) bool {
	return isMethod(fn, "sync", "WaitGroup", name)
}

func isTestingRun(fn *types.Func) bool {
	return fn.Name() == "Run" && (isMethod(fn, "testing", "T", "") || isMethod(fn, "testing", "B", "") ||
		isMethod(fn, "testing", "F", ""))
}

func isDeferOf(parent ast.Node, call *ast.CallExpr) bool {
	d, ok := parent.(*ast.DeferStmt)
	return ok && d.Call == call
}

func isGoOf(parent ast.Node, call *ast.CallExpr) bool {
	g, ok := parent.(*ast.GoStmt)
	return ok && g.Call == call
}

// stopName: the names people give quit channels and stop flags.
var stopName = regexp.MustCompile(`(?i)quit|stop|done|exit|clos|shut|cancel|term|die|dying|kill|halt|finish|abort`)

// flagName: a stop flag read as a condition (`if s.closed`,
// `for !stopped.Load()`).
var flagName = regexp.MustCompile(`(?i)^(is)?(closed|closing|stopped|stopping|quit|quitting|shutdown|shuttingdown|cancell?ed|done|dying|dead|exiting|terminated)$`)

func lastName(e ast.Expr) string {
	switch x := unparen(e).(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.IndexExpr:
		return lastName(x.X)
	case *ast.StarExpr:
		return lastName(x.X)
	case *ast.UnaryExpr:
		return lastName(x.X)
	}
	return ""
}

// isQuitChan: a channel whose sends and closes mean "stop": of struct{}
// elements, or named like one.
func (a *analysis) isQuitChan(e ast.Expr) bool {
	if t := a.info.TypeOf(e); t != nil {
		if ch, ok := t.Underlying().(*types.Chan); ok {
			if st, ok := ch.Elem().Underlying().(*types.Struct); ok && st.NumFields() == 0 {
				return true
			}
		}
	}
	return stopName.MatchString(lastName(e))
}

// isCancel: fun is a context's cancel function (context.CancelFunc or
// CancelCauseFunc, or a func-typed variable named like one).
func (a *analysis) isCancel(fun ast.Expr) bool {
	if a.callee(fun) != nil {
		return false // a declared function or method, not a func value
	}
	t := a.info.TypeOf(fun)
	if t == nil {
		return false
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" &&
		strings.HasPrefix(n.Obj().Name(), "Cancel") {
		return true
	}
	if _, ok := t.Underlying().(*types.Signature); ok {
		name := strings.ToLower(lastName(fun))
		return strings.Contains(name, "cancel") || strings.HasPrefix(name, "stop")
	}
	return false
}

// flagStore: `closed.Store(true)`, `atomic.StoreInt32(&s.closed, 1)` — the
// flag set, or nil.
func (a *analysis) flagStore(call *ast.CallExpr, fn *types.Func) ast.Expr {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "sync/atomic" {
		return nil
	}
	if strings.HasPrefix(fn.Name(), "Store") || strings.HasPrefix(fn.Name(), "Swap") ||
		strings.HasPrefix(fn.Name(), "CompareAndSwap") {
		var flag ast.Expr
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok && a.info.Selections[sel] != nil {
			flag = sel.X
		} else if len(call.Args) > 0 {
			flag = call.Args[0]
		}
		if flag != nil && stopName.MatchString(lastName(flag)) {
			return flag
		}
	}
	return nil
}

// signalOf: if e (the operand of a receive) is a stop signal — ctx.Done(),
// a struct{} channel, a channel named like a quit channel — the signal.
func (a *analysis) signalOf(e ast.Expr) (sigInfo, bool) {
	e = unparen(e)
	if call, ok := e.(*ast.CallExpr); ok {
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Done" && len(call.Args) == 0 {
			return sigInfo{key: a.key(sel.X), text: types.ExprString(e)}, true
		}
		return sigInfo{}, false
	}
	t := a.info.TypeOf(e)
	if t != nil {
		ch, ok := t.Underlying().(*types.Chan)
		if !ok {
			return sigInfo{}, false
		}
		if st, ok := ch.Elem().Underlying().(*types.Struct); ok && st.NumFields() == 0 {
			return sigInfo{key: a.key(e), text: types.ExprString(e)}, true
		}
		if isTime(ch.Elem()) {
			return sigInfo{}, false // a ticker or timer: time passing, not a stop
		}
	}
	if stopName.MatchString(lastName(e)) {
		return sigInfo{key: a.key(e), text: types.ExprString(e)}, true
	}
	return sigInfo{}, false
}

func isTime(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// recvOf is the channel a select case or statement receives from, or nil.
func recvOf(s ast.Stmt) ast.Expr {
	var e ast.Expr
	switch s := s.(type) {
	case *ast.ExprStmt:
		e = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			e = s.Rhs[0]
		}
	}
	if u, ok := unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u.X
	}
	return nil
}

// condSignal: a condition that asks whether a stop happened — ctx.Err(),
// a stop flag — and the signal it asks about.
func (a *analysis) condSignal(cond ast.Node) (sigInfo, bool) {
	var sig sigInfo
	found := false
	ast.Inspect(cond, func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if sel, ok := unparen(x.Fun).(*ast.SelectorExpr); ok && len(x.Args) == 0 {
				if sel.Sel.Name == "Err" && a.hasDone(sel.X) {
					sig, found = sigInfo{key: a.key(sel.X), text: types.ExprString(x)}, true
					return false
				}
				if flagName.MatchString(sel.Sel.Name) || sel.Sel.Name == "Load" && flagName.MatchString(lastName(sel.X)) {
					sig, found = sigInfo{key: a.key(sel.X), text: types.ExprString(x)}, true
					return false
				}
			}
		case *ast.Ident:
			// A package-level flag; a local `done` is most often the
			// loop's own bookkeeping.
			if flagName.MatchString(x.Name) {
				if v, ok := a.info.Uses[x].(*types.Var); ok && v.Pkg() != nil && v.Parent() == v.Pkg().Scope() {
					sig, found = sigInfo{key: a.key(x), text: x.Name}, true
				}
			}
		case *ast.SelectorExpr:
			if flagName.MatchString(x.Sel.Name) {
				if s := a.info.Selections[x]; s != nil && s.Kind() == types.FieldVal {
					sig, found = sigInfo{key: a.key(x), text: types.ExprString(x)}, true
					return false
				}
			}
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				if s, ok := a.signalOf(x.X); ok {
					sig, found = s, true
					return false
				}
			}
		}
		return true
	})
	return sig, found
}

// hasDone: e's type has a Done() method (a context).
func (a *analysis) hasDone(e ast.Expr) bool {
	t := a.info.TypeOf(e)
	if t == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Done")
	_, ok := obj.(*types.Func)
	return ok
}

// observed: the node at the end of stack runs only after a stop signal was
// received or checked: under `case <-ctx.Done():`, under
// `if ctx.Err() != nil`, or after `<-ctx.Done()` in an enclosing block.
func (a *analysis) observed(stack []ast.Node, at ast.Node) bool {
	path := append(append([]ast.Node{}, stack...), at)
	for i := len(path) - 2; i >= 0; i-- {
		switch s := path[i].(type) {
		case *ast.CommClause:
			if ch := recvOf(s.Comm); ch != nil {
				if _, ok := a.signalOf(ch); ok {
					return true
				}
			}
		case *ast.IfStmt:
			if path[i+1] == s.Body {
				if _, ok := a.condSignal(s.Cond); ok {
					return true
				}
				if s.Init != nil {
					if _, ok := a.condSignal(s.Init); ok {
						return true
					}
				}
			}
		}
		for _, prev := range before(path[i], path[i+1]) {
			if ch := recvOf(prev); ch != nil {
				if _, ok := a.signalOf(ch); ok {
					return true
				}
			}
		}
	}
	return false
}

// stmts: the statement list of a block-like node (a block, a case or a
// select clause), and whether it is one.
func stmts(node ast.Node) ([]ast.Stmt, bool) {
	switch b := node.(type) {
	case *ast.BlockStmt:
		return b.List, true
	case *ast.CaseClause:
		return b.Body, true
	case *ast.CommClause:
		return b.Body, true
	}
	return nil, false
}

// before: the statements of block-like node that come before child.
func before(node, child ast.Node) []ast.Stmt {
	list, _ := stmts(node)
	for i, s := range list {
		if s == child {
			return list[:i]
		}
	}
	return nil
}

// leavesAfter: the statement holding call is followed, in its block, by a
// return or a break: in a loop, it runs once.
func leavesAfter(stack []ast.Node, call *ast.CallExpr) bool {
	path := append(append([]ast.Node{}, stack...), call)
	for i := len(path) - 2; i >= 0; i-- {
		switch path[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			return false
		}
		list, ok := stmts(path[i])
		if !ok {
			continue
		}
		after := false
		for _, s := range list {
			if s == path[i+1] {
				after = true
				continue
			}
			if !after {
				continue
			}
			switch s := s.(type) {
			case *ast.ReturnStmt:
				return true
			case *ast.BranchStmt:
				if s.Tok == token.BREAK || s.Tok == token.GOTO {
					return true
				}
			}
		}
		return false
	}
	return false
}
