package main

// Keys: what a group, a channel or a context is, as an object, and every
// object its value may come from.

import (
	"go/ast"
	"go/token"
	"go/types"
)

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
