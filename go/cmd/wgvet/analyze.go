package main

// The check itself, on one type-checked package (types may be incomplete:
// an import that could not be loaded leaves invalid types, and what the
// check needs — sync.WaitGroup, channels, context — is standard library).
//
// The check runs in three passes:
//
//  1. walk every function body (declarations and literals) once and record
//     the sites that matter: WaitGroup Add/Done/Wait/Go calls, go
//     statements, calls to functions of the package, stop actions
//     (cancel(), close(ch), a send on a quit channel), and where values flow
//     (assignments, composite literals, arguments to parameters);
//  2. derive facts per function: its members (the groups its goroutine
//     calls Done on), whether it lives until cancellation (a loop whose
//     exits are all under a stop signal), whether it runs again and again
//     (a loop, time.AfterFunc, a caller that does), whether it is entered
//     only after a stop;
//  3. judge each Wait() against the members of its group: the rules of
//     rules.go.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Finding is one report of one rule at one place.
type Finding struct {
	Rule    string
	Pos     token.Position
	End     token.Position
	Message string
	Func    string // the function holding the place, for fingerprints
}

// Stats counts what the check looked at, to tell a quiet package from an
// unexamined one.
type Stats struct {
	Waits        int // Wait() calls (not in `go wg.Wait()`)
	WithMembers  int // on a group whose goroutines were found
	WithLong     int // of which one lives until a stop signal, or forever
	Observed     int // … the Wait under a stop signal already received
	StoppedFirst int // … every such goroutine stopped first (by the waiter, its callers or another goroutine)
	Once         int // … alive, but the Wait runs once: a shutdown waiting for a stop given elsewhere
}

func (s *Stats) add(o Stats) {
	s.Waits += o.Waits
	s.WithMembers += o.WithMembers
	s.WithLong += o.WithLong
	s.Observed += o.Observed
	s.StoppedFirst += o.StoppedFirst
	s.Once += o.Once
}

// Unit is one package to check: parsed files and what the type checker
// could tell about them.
type Unit struct {
	Fset  *token.FileSet
	Files []*ast.File
	Info  *types.Info
	Pkg   *types.Package
}

// useKind says how a function literal is used where it stands.
type useKind int

const (
	useDecl      useKind = iota // a declared function or method
	useCall                     // func(){…}(): runs here
	useDefer                    // defer func(){…}(): runs when the function returns
	useGo                       // go func(){…}(): a goroutine
	useAfterFunc                // time.AfterFunc(d, func(){…}): runs later, on a timer
	useGroupGo                  // wg.Go(func(){…}): a goroutine counted by wg
	useSync                     // once.Do(func(){…}), t.Run(…): runs here, once
	useEscape                   // stored or passed on: runs who knows when
)

type fnode struct {
	name   string
	body   *ast.BlockStmt
	obj    *types.Func // nil for a literal
	lit    *ast.FuncLit
	parent *fnode // the function a literal sits in
	use    useKind
	usePos token.Pos // where a literal is used (its call, go, AfterFunc)
	loopy  bool      // a literal used inside a loop of its parent
	// referenced: a declared function used as a value, not only called.
	referenced bool

	calls   []*callSite // synchronous calls to functions of the package
	callers []*callSite
	gos     []*goSite
	waits   []*waitSite
	dones   []doneSite
	adds    []addSite
	stops   []stopSite
	guards  []flagGuard // if statements whose body runs only when a bool is true

	// Derived.
	repeated  bool
	repeatWhy string
	lifeDone  bool
	life      lifetime
	doneMemo  map[types.Object]token.Pos // groups its goroutine calls Done on
	doneBusy  bool
	stopMemo  map[types.Object]bool // what it and its callees stop
	stopBusy  bool
}

type callSite struct {
	caller, callee *fnode
	pos            token.Pos
	inLoop         bool
	deferred       bool
	args           []ast.Expr // the call's arguments (nil for a literal run in place)
}

type goSite struct {
	call   *ast.CallExpr // go f(args): the call, to bind f's parameters
	pos    token.Pos
	in     *fnode
	target *fnode
	inLoop bool
	loops  []ast.Node // the loops of its function it is in
	group  ast.Expr   // wg.Go(f): the group
}

type waitSite struct {
	call     *ast.CallExpr
	fn       *fnode
	recv     ast.Expr
	key      types.Object
	inLoop   bool // in a loop of its function, not leaving it right after
	loops    []ast.Node
	deferred bool
	observed bool // under a stop signal already received, or ctx.Err() checked
	// guard: the index of a bool parameter of its function that must be
	// true for the Wait to run (`if wait { wg.Wait() }`), or -1.
	guard int
}

type addSite struct {
	key   types.Object
	pos   token.Pos
	loops []ast.Node // the loops of its function it is in
}

type doneSite struct {
	key      types.Object
	pos      token.Pos
	deferred bool
}

type stopSite struct {
	pos      token.Pos
	what     ast.Expr // the channel closed, the cancel func called, the flag set
	cancel   bool     // what is a cancel func: it stops its context
	deferred bool
}

// lifetime is how a goroutine's function ends.
type lifetime struct {
	end     token.Pos // where the statement that lasts ends
	long    bool      // ends only on a stop signal, or never
	signals []sigInfo // the signals it ends on (none: never)
}

// flagGuard is `if flag { … }`: its body runs only while one of keys
// (bool variables or fields, ANDed) is true.
type flagGuard struct {
	body ast.Node
	keys []types.Object
}

type sigInfo struct {
	key  types.Object
	text string
}

type analysis struct {
	u       *Unit
	info    *types.Info
	decls   map[*types.Func]*fnode
	nodes   []*fnode
	flows   map[types.Object][]types.Object // lhs ← rhs
	pairs   map[types.Object]types.Object   // cancel func → its context
	reach   map[types.Object]map[types.Object]bool
	found   []Finding
	flagged map[*ast.CallExpr]bool
	stats   Stats

	goTargets map[*fnode]bool

	// Bool variables and fields: the functions that set each to true, and
	// those that may hold a value the check cannot follow (computed, or
	// true from the start).
	trueSets    map[types.Object][]*fnode
	unknownSets map[types.Object]bool
	// paramOwner: the function each parameter belongs to.
	paramOwner map[types.Object]*fnode

	// Function values: stored into variables, fields and parameters,
	// and called through them (resolved in derive, once all are known).
	funcVals []funcVal
	dynCalls []dynCall
}

type funcVal struct {
	obj  types.Object
	expr ast.Expr
}

type dynCall struct {
	caller   *fnode
	key      types.Object
	args     []ast.Expr
	pos      token.Pos
	inLoop   bool
	loops    []ast.Node
	deferred bool
	under    bool // go f()
}

// Analyze runs every rule on u.
func Analyze(u *Unit) ([]Finding, Stats) {
	a := &analysis{
		u:       u,
		info:    u.Info,
		decls:   map[*types.Func]*fnode{},
		flows:   map[types.Object][]types.Object{},
		pairs:   map[types.Object]types.Object{},
		reach:   map[types.Object]map[types.Object]bool{},
		flagged: map[*ast.CallExpr]bool{},

		trueSets:    map[types.Object][]*fnode{},
		unknownSets: map[types.Object]bool{},
		paramOwner:  map[types.Object]*fnode{},
	}
	// Declarations first, so that calls can be resolved while walking.
	for _, f := range u.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := &fnode{name: fd.Name.Name, body: fd.Body, use: useDecl}
			if obj, ok := a.info.Defs[fd.Name].(*types.Func); ok {
				n.obj = obj
				a.decls[obj] = n
			}
			a.nodes = append(a.nodes, n)
		}
	}
	for i := 0; i < len(a.nodes); i++ { // literals are appended as found
		a.walk(a.nodes[i])
	}
	a.derive()
	a.judge()
	sort.Slice(a.found, func(i, j int) bool {
		p, q := a.found[i].Pos, a.found[j].Pos
		if p.Filename != q.Filename {
			return p.Filename < q.Filename
		}
		if p.Line != q.Line {
			return p.Line < q.Line
		}
		return p.Column < q.Column
	})
	return a.found, a.stats
}

// ---------------------------------------------------------------------------
// Pass 1: sites.

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

// ---------------------------------------------------------------------------
// Keys: what a group, a channel or a context is, as an object.

// key is the object an expression denotes, through &, *, parentheses and
// indexing: a variable (local, parameter, package) or a struct field.
func (a *analysis) key(e ast.Expr) types.Object {
	switch x := unparen(e).(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return a.key(x.X)
		}
	case *ast.StarExpr:
		return a.key(x.X)
	case *ast.Ident:
		if v, ok := a.info.Uses[x].(*types.Var); ok {
			return v.Origin()
		}
		if v, ok := a.info.Defs[x].(*types.Var); ok {
			return v.Origin()
		}
	case *ast.SelectorExpr:
		if sel := a.info.Selections[x]; sel != nil {
			if sel.Kind() == types.FieldVal {
				if v, ok := sel.Obj().(*types.Var); ok {
					return v.Origin()
				}
			}
			return nil
		}
		if v, ok := a.info.Uses[x.Sel].(*types.Var); ok { // pkg.Var
			return v.Origin()
		}
	case *ast.IndexExpr:
		return a.key(x.X)
	}
	return nil
}

// groupKey is the WaitGroup a method call selects: the receiver's key, or
// the embedded field the method is promoted through.
func (a *analysis) groupKey(sel *ast.SelectorExpr) types.Object {
	s := a.info.Selections[sel]
	if s != nil && len(s.Index()) > 1 {
		t := s.Recv()
		var field *types.Var
		for _, i := range s.Index()[:len(s.Index())-1] {
			if p, ok := t.Underlying().(*types.Pointer); ok {
				t = p.Elem()
			}
			st, ok := t.Underlying().(*types.Struct)
			if !ok || i >= st.NumFields() {
				return a.key(sel.X)
			}
			field = st.Field(i)
			t = field.Type()
		}
		if field != nil {
			return field.Origin()
		}
	}
	return a.key(sel.X)
}

// reachOf is every object o's value may come from, o included.
func (a *analysis) reachOf(o types.Object) map[types.Object]bool {
	if o == nil {
		return nil
	}
	if r, ok := a.reach[o]; ok {
		return r
	}
	r := map[types.Object]bool{o: true}
	queue := []types.Object{o}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, y := range a.flows[x] {
			if !r[y] {
				r[y] = true
				queue = append(queue, y)
			}
		}
	}
	a.reach[o] = r
	return r
}

func (a *analysis) keySet(e ast.Expr) map[types.Object]bool {
	return a.reachOf(a.key(e))
}

// stopped: what a stop action stops (computed once every flow is known).
func (a *analysis) stopped(s stopSite) map[types.Object]bool {
	if s.cancel {
		return a.stopKeys(s.what)
	}
	return a.keySet(s.what)
}

// stopKeys is what calling a cancel function stops: its context.
func (a *analysis) stopKeys(fun ast.Expr) map[types.Object]bool {
	out := map[types.Object]bool{}
	for o := range a.reachOf(a.key(fun)) {
		out[o] = true
		if c := a.pairs[o]; c != nil {
			out[c] = true
		}
	}
	return out
}

func meets(x, y map[types.Object]bool) bool {
	if len(x) > len(y) {
		x, y = y, x
	}
	for o := range x {
		if y[o] {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// What an expression is.

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

// before: the statements of block-like node that come before child.
func before(node, child ast.Node) []ast.Stmt {
	var list []ast.Stmt
	switch b := node.(type) {
	case *ast.BlockStmt:
		list = b.List
	case *ast.CaseClause:
		list = b.Body
	case *ast.CommClause:
		list = b.Body
	default:
		return nil
	}
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
		var list []ast.Stmt
		switch b := path[i].(type) {
		case *ast.BlockStmt:
			list = b.List
		case *ast.CaseClause:
			list = b.Body
		case *ast.CommClause:
			list = b.Body
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			return false
		default:
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

// ---------------------------------------------------------------------------
// Pass 2: facts per function.

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

// ---------------------------------------------------------------------------
// Pass 3: the rules.

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

func (a *analysis) report(r Rule, call *ast.CallExpr, n *fnode, msg string) {
	if a.flagged[call] {
		return
	}
	a.flagged[call] = true
	a.found = append(a.found, Finding{
		Rule:    r.ID,
		Pos:     a.u.Fset.Position(call.Pos()),
		End:     a.u.Fset.Position(call.End()),
		Message: msg,
		Func:    n.name,
	})
}

// short: file.go:12.
func (a *analysis) short(pos token.Pos) string {
	p := a.u.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}
