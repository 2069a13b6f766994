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
//
// This file holds what the passes share (the sites, the analysis) and
// Analyze. Pass 1 is sites.go, with keys.go (objects and value flows) and
// exprs.go (what an expression is); pass 2 is callgraph.go, stops.go and
// lifetime.go; pass 3 is members.go, judge.go (WG001, WG004, WG005),
// timeout.go (WG002) and selfwait.go (WG003).

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
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
