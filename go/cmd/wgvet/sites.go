package main

// Pass 1: the sites of one function body — WaitGroup calls, go statements,
// calls, stop actions, if statements on a flag — and where values flow.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
)

// inspect walks root depth-first; f sees each node with its ancestors
// (outermost first) and says whether to descend.
func inspect(root ast.Node, f func(n ast.Node, stack []ast.Node) bool) {
	var stack []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if !f(n, stack) {
			return false
		}
		stack = append(stack, n)
		return true
	})
}

// loopsOf: the for and range statements of the same function whose body
// holds the innermost node of stack, outermost first.
func loopsOf(stack []ast.Node) []ast.Node {
	var out []ast.Node
	for i := 0; i+1 < len(stack); i++ {
		switch l := stack[i].(type) {
		case *ast.ForStmt:
			if stack[i+1] == l.Body {
				out = append(out, l)
			}
		case *ast.RangeStmt:
			if stack[i+1] == l.Body {
				out = append(out, l)
			}
		}
	}
	return out
}

// inLoop reports whether the innermost node of stack is inside the body of
// a for or range statement of the same function.
func inLoop(stack []ast.Node) bool {
	for i := len(stack) - 2; i >= 0; i-- {
		switch l := stack[i].(type) {
		case *ast.ForStmt:
			if stack[i+1] == l.Body {
				return true
			}
		case *ast.RangeStmt:
			if stack[i+1] == l.Body {
				return true
			}
		}
	}
	return false
}

func (a *analysis) walk(n *fnode) {
	inspect(n.body, func(x ast.Node, stack []ast.Node) bool {
		switch x := x.(type) {
		case *ast.FuncLit:
			a.literal(n, x, stack)
			return false
		case *ast.CallExpr:
			a.call(n, x, stack)
		case *ast.GoStmt:
			a.goStmt(n, x, stack)
		case *ast.SendStmt:
			if a.isQuitChan(x.Chan) {
				n.stops = append(n.stops, stopSite{pos: x.Pos(), what: x.Chan, deferred: false})
			}
		case *ast.AssignStmt:
			a.assign(n, x)
		case *ast.ValueSpec:
			for i, name := range x.Names {
				if i < len(x.Values) {
					a.flow(a.info.Defs[name], x.Values[i])
				}
			}
			if len(x.Names) == 2 && len(x.Values) == 1 {
				a.withCancel(x.Names[0], x.Names[1], x.Values[0])
			}
		case *ast.CompositeLit:
			a.composite(x)
		case *ast.IfStmt:
			if keys := a.boolOperands(x.Cond); len(keys) > 0 {
				n.guards = append(n.guards, flagGuard{body: x.Body, keys: keys})
			}
		}
		return true
	})
}

// literal registers a function literal found in parent and how it is used.
func (a *analysis) literal(parent *fnode, lit *ast.FuncLit, stack []ast.Node) {
	n := &fnode{body: lit.Body, lit: lit, parent: parent, use: useEscape, usePos: lit.Pos()}
	n.name = "the func literal at " + a.short(lit.Pos())
	n.loopy = inLoop(append(stack, lit))
	loops := loopsOf(append(stack, lit))
	if len(stack) > 0 {
		if call, ok := stack[len(stack)-1].(*ast.CallExpr); ok {
			n.usePos = call.Pos()
			if unparen(call.Fun) == ast.Expr(lit) {
				n.use = useCall
				if len(stack) > 1 {
					switch stack[len(stack)-2].(type) {
					case *ast.GoStmt:
						n.use = useGo
					case *ast.DeferStmt:
						n.use = useDefer
					}
				}
			} else if fn := a.callee(call.Fun); fn != nil {
				switch {
				case isFunc(fn, "time", "AfterFunc"):
					n.use = useAfterFunc
				case isGroupMethod(fn, "Go"):
					n.use = useGroupGo
				case isMethod(fn, "sync", "Once", "Do"), isTestingRun(fn):
					n.use = useSync
				}
			}
		}
	}
	switch n.use {
	case useAfterFunc:
		n.name = "the time.AfterFunc callback at " + a.short(lit.Pos())
	case useGo, useGroupGo:
		n.name = "the goroutine at " + a.short(lit.Pos())
	}
	a.nodes = append(a.nodes, n)
	switch n.use {
	case useCall, useDefer, useSync:
		parent.calls = append(parent.calls, &callSite{caller: parent, callee: n, pos: n.usePos,
			inLoop: n.loopy, deferred: n.use == useDefer})
	case useGo:
		parent.gos = append(parent.gos, &goSite{pos: n.usePos, in: parent, target: n, inLoop: n.loopy, loops: loops})
	case useGroupGo:
		call := stack[len(stack)-1].(*ast.CallExpr)
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok {
			parent.gos = append(parent.gos, &goSite{pos: call.Pos(), in: parent, target: n, inLoop: n.loopy, group: sel.X})
		}
	}
}

// call records what a call expression means for the check.
func (a *analysis) call(n *fnode, call *ast.CallExpr, stack []ast.Node) {
	deferred := len(stack) > 0 && isDeferOf(stack[len(stack)-1], call)
	under := len(stack) > 0 && isGoOf(stack[len(stack)-1], call)
	loop := inLoop(append(stack, call))

	// Builtins: close(ch) stops whatever waits on ch.
	if id, ok := unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := a.info.Uses[id].(*types.Builtin); ok {
			if b.Name() == "close" && len(call.Args) == 1 {
				n.stops = append(n.stops, stopSite{pos: call.Pos(), what: call.Args[0], deferred: deferred})
			}
			return
		}
	}
	fn := a.callee(call.Fun)
	if fn != nil && a.decls[origin(fn)] == nil {
		// A method of an interface of this package: every method of the
		// package's types that implement it.
		for _, t := range a.implementations(fn) {
			if under {
				n.gos = append(n.gos, &goSite{pos: call.Pos(), in: n, target: t, inLoop: loop, loops: loopsOf(append(stack, call))})
			} else {
				n.calls = append(n.calls, &callSite{caller: n, callee: t, pos: call.Pos(), inLoop: loop, deferred: deferred,
					args: call.Args})
			}
		}
	}
	if fn == nil {
		// A call through a variable, field or parameter of func type:
		// resolved to what was stored there, in derive.
		if k := a.key(call.Fun); k != nil {
			a.dynCalls = append(a.dynCalls, dynCall{caller: n, key: k, args: call.Args, pos: call.Pos(), inLoop: loop,
				loops: loopsOf(append(stack, call)), deferred: deferred, under: under})
		}
	}
	sel, isSel := unparen(call.Fun).(*ast.SelectorExpr)
	if fn != nil && isSel && isGroupMethod(fn, "") {
		key := a.groupKey(sel)
		switch fn.Name() {
		case "Wait":
			if under {
				return // go wg.Wait(): nobody waits
			}
			w := &waitSite{call: call, fn: n, recv: sel.X, key: key, deferred: deferred, guard: a.paramGuard(n, stack, call)}
			w.inLoop = loop && !leavesAfter(stack, call)
			w.loops = loopsOf(append(stack, call))
			w.observed = a.observed(stack, call)
			n.waits = append(n.waits, w)
		case "Done":
			n.dones = append(n.dones, doneSite{key: key, pos: call.Pos(), deferred: deferred})
		case "Add":
			n.adds = append(n.adds, addSite{key: key, pos: call.Pos(), loops: loopsOf(append(stack, call))})
		case "Go":
			if len(call.Args) == 1 {
				if t := a.funcRef(call.Args[0]); t != nil {
					n.gos = append(n.gos, &goSite{pos: call.Pos(), in: n, target: t, inLoop: loop, group: sel.X})
				}
			}
		}
		return
	}
	if fn != nil && isFunc(fn, "time", "AfterFunc") && len(call.Args) == 2 {
		if t := a.funcRef(call.Args[1]); t != nil {
			t.referenced = true
			t.markRepeated(fmt.Sprintf("runs on a timer (the time.AfterFunc at %s)", a.short(call.Pos())))
		}
	}
	if a.isCancel(call.Fun) {
		n.stops = append(n.stops, stopSite{pos: call.Pos(), what: call.Fun, cancel: true, deferred: deferred})
	} else if flag := a.flagStore(call, fn); flag != nil {
		n.stops = append(n.stops, stopSite{pos: call.Pos(), what: flag, deferred: deferred})
	}
	if fn == nil {
		return
	}
	target := a.decls[origin(fn)]
	if target == nil {
		return
	}
	a.bindArgs(target, call)
	if under {
		return // goStmt records it
	}
	site := &callSite{caller: n, callee: target, pos: call.Pos(), inLoop: loop, deferred: deferred, args: call.Args}
	n.calls = append(n.calls, site)
}

func (a *analysis) goStmt(n *fnode, g *ast.GoStmt, stack []ast.Node) {
	fn := a.callee(g.Call.Fun)
	if fn == nil {
		return // a literal (literal() records it) or a function value
	}
	if t := a.decls[origin(fn)]; t != nil {
		n.gos = append(n.gos, &goSite{call: g.Call, pos: g.Pos(), in: n, target: t, inLoop: inLoop(append(stack, g)),
			loops: loopsOf(append(stack, g))})
	}
}

// funcRef resolves a function value to a declared function or method of
// the package (a literal is registered by literal()).
func (a *analysis) funcRef(e ast.Expr) *fnode {
	e = unparen(e)
	if _, ok := e.(*ast.FuncLit); ok {
		return nil // literal() registers it when the walk reaches it
	}
	if fn := a.callee(e); fn != nil {
		if t := a.decls[origin(fn)]; t != nil {
			t.referenced = true
			return t
		}
	}
	return nil
}

func (a *analysis) assign(n *fnode, as *ast.AssignStmt) {
	if len(as.Lhs) == len(as.Rhs) {
		for i := range as.Lhs {
			if obj := a.key(as.Lhs[i]); obj != nil {
				if v, ok := a.constBool(as.Rhs[i]); ok && v && isBool(obj) {
					a.trueSets[obj] = append(a.trueSets[obj], n) // set here, by n
				} else {
					a.flow(obj, as.Rhs[i])
				}
			}
			// s.closed = true: a stop flag set.
			if id, ok := unparen(as.Rhs[i]).(*ast.Ident); ok && id.Name == "true" && stopName.MatchString(lastName(as.Lhs[i])) {
				n.stops = append(n.stops, stopSite{pos: as.Pos(), what: as.Lhs[i]})
			}
		}
	}
	if len(as.Lhs) != len(as.Rhs) {
		for _, l := range as.Lhs { // x, ok := f(): values the check does not follow
			if obj := a.key(l); obj != nil && isBool(obj) {
				a.unknownSets[obj] = true
			}
		}
	}
	if len(as.Lhs) == 2 && len(as.Rhs) == 1 {
		a.withCancel(as.Lhs[0], as.Lhs[1], as.Rhs[0])
	}
}

// withCancel links `ctx, cancel := context.WithCancel(parent)` (and its
// kin): cancel stops ctx, and ctx ends when parent does.
func (a *analysis) withCancel(lctx, lcancel ast.Expr, rhs ast.Expr) {
	call, ok := unparen(rhs).(*ast.CallExpr)
	if !ok {
		return
	}
	fn := a.callee(call.Fun)
	if fn == nil || fn.Pkg() == nil {
		return
	}
	p := fn.Pkg().Path()
	if !(p == "context" && strings.HasPrefix(fn.Name(), "With") || p == "os/signal" && fn.Name() == "NotifyContext") {
		return
	}
	ctx, cancel := a.key(lctx), a.key(lcancel)
	if ctx == nil {
		return
	}
	if len(call.Args) > 0 {
		a.flow(ctx, call.Args[0])
	}
	if cancel != nil {
		a.pairs[cancel] = ctx
	}
}

func (a *analysis) composite(c *ast.CompositeLit) {
	tv, ok := a.info.Types[c]
	if !ok {
		return
	}
	t := tv.Type.Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	st, ok := t.(*types.Struct)
	if !ok {
		return
	}
	for i, el := range c.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				if f, ok := a.info.Uses[id].(*types.Var); ok {
					a.flow(f.Origin(), kv.Value)
				}
			}
		} else if i < st.NumFields() {
			a.flow(st.Field(i).Origin(), el)
		}
	}
}

// bindArgs lets arguments flow into the parameters of a function of the
// package.
func (a *analysis) bindArgs(t *fnode, call *ast.CallExpr) {
	if t.obj == nil {
		return
	}
	sig, ok := t.obj.Type().(*types.Signature)
	if !ok {
		return
	}
	params := sig.Params()
	for i, arg := range call.Args {
		if i >= params.Len() || sig.Variadic() && i >= params.Len()-1 {
			break
		}
		a.flow(params.At(i), arg)
	}
}

func (a *analysis) flow(lhs types.Object, rhs ast.Expr) {
	if lhs == nil {
		return
	}
	if isBool(lhs) {
		// A flag: false is its zero value; true outside an assignment
		// (a literal, an argument) or a computed value is one the check
		// cannot tie to a stop.
		if v, ok := a.constBool(rhs); ok {
			if v {
				a.unknownSets[lhs] = true
			}
			return
		}
		if a.key(rhs) == nil {
			a.unknownSets[lhs] = true
			return
		}
	}
	switch x := unparen(rhs).(type) {
	case *ast.FuncLit:
		a.funcVals = append(a.funcVals, funcVal{lhs, x})
		return
	case *ast.Ident, *ast.SelectorExpr:
		if fn := a.callee(x); fn != nil && a.decls[origin(fn)] != nil {
			a.funcVals = append(a.funcVals, funcVal{lhs, x})
			return
		}
	}
	if src := a.key(rhs); src != nil && src != lhs {
		a.flows[lhs] = append(a.flows[lhs], src)
	}
}

// isBool: o is a bool variable or field.
func isBool(o types.Object) bool {
	if o == nil || o.Type() == nil {
		return false
	}
	b, ok := o.Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsBoolean != 0
}

// constBool: e is the constant true or false.
func (a *analysis) constBool(e ast.Expr) (bool, bool) {
	tv, ok := a.info.Types[unparen(e)]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Bool {
		return false, false
	}
	return constant.BoolVal(tv.Value), true
}

// boolOperands: the bool variables and fields a condition requires true
// (`flag`, `a && s.flag`).
func (a *analysis) boolOperands(cond ast.Expr) []types.Object {
	switch x := unparen(cond).(type) {
	case *ast.BinaryExpr:
		if x.Op == token.LAND {
			return append(a.boolOperands(x.X), a.boolOperands(x.Y)...)
		}
	case *ast.Ident, *ast.SelectorExpr:
		if k := a.key(x); k != nil && isBool(k) {
			return []types.Object{k}
		}
	}
	return nil
}

// sigOf: the signature of a function of the package, declared or literal.
func (a *analysis) sigOf(n *fnode) *types.Signature {
	var t types.Type
	if n.obj != nil {
		t = n.obj.Type()
	} else if n.lit != nil {
		t = a.info.TypeOf(n.lit)
	}
	sig, _ := t.(*types.Signature)
	return sig
}

// paramGuard: the index of a bool parameter of n under which the call at
// the end of stack runs (`if wait { wg.Wait() }`), or -1.
func (a *analysis) paramGuard(n *fnode, stack []ast.Node, call ast.Node) int {
	sig := a.sigOf(n)
	if sig == nil {
		return -1
	}
	path := append(append([]ast.Node{}, stack...), call)
	for i := len(path) - 2; i >= 0; i-- {
		s, ok := path[i].(*ast.IfStmt)
		if !ok || path[i+1] != s.Body {
			continue
		}
		for _, k := range a.boolOperands(s.Cond) {
			for j := 0; j < sig.Params().Len(); j++ {
				if sig.Params().At(j) == k {
					return j
				}
			}
		}
	}
	return -1
}

// passesFalse: the call c gives the constant false for parameter i.
func (a *analysis) passesFalse(c *callSite, i int) bool {
	if c == nil || i < 0 || i >= len(c.args) {
		return false
	}
	v, ok := a.constBool(c.args[i])
	return ok && !v
}
