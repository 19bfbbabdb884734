//! Parsing and validation: from a `syn::ItemFn` to a [`PipelineFn`], or a `syn::Error` spanned
//! on the offending tokens that says what to write instead.

use std::collections::HashSet;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, ReturnType, Stmt, Type};

use crate::ast::{Arg, Call, Callee, LetCall, Param, ParamKind, PipelineFn};

/// Options from the attribute's arguments: `#[willump]` or `#[willump(graph = name)]`.
#[derive(Default)]
pub struct Options {
    /// The graph function's name (default: `<fn>_graph`).
    pub graph: Option<Ident>,
}

/// Parses the attribute arguments.
pub fn parse_options(attr: proc_macro2::TokenStream) -> syn::Result<Options> {
    let mut opts = Options::default();
    if attr.is_empty() {
        return Ok(opts);
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("graph") {
            opts.graph = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error("unknown #[willump] option; the only option is `graph = name_of_graph_fn`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
}

fn err<T>(tokens: impl ToTokens, msg: impl std::fmt::Display) -> syn::Result<T> {
    Err(syn::Error::new_spanned(tokens, msg))
}

/// Parses and validates a pipeline function.
pub fn parse_pipeline(mut item: ItemFn, opts: Options) -> syn::Result<PipelineFn> {
    let sig = &item.sig;
    if let Some(a) = &sig.asyncness {
        return err(a, "#[willump] pipelines cannot be `async`: write a plain function over a batch");
    }
    if let Some(p) = sig.generics.params.first() {
        return err(p, "#[willump] pipelines cannot be generic: name the concrete column, state and model types");
    }
    match &sig.output {
        ReturnType::Type(_, ty) if returns_result(ty) => {}
        other => {
            return err(
                other,
                "a #[willump] pipeline returns `Result<_, willump::Error>` (or `willump::Result<_>`), ending in the final model call",
            );
        }
    }

    // Parameters: `#[row] name: &T` are per-row inputs, everything else is state.
    let mut params = Vec::new();
    let mut names = HashSet::new();
    for input in item.sig.inputs.iter_mut() {
        let FnArg::Typed(pt) = input else {
            return err(
                input,
                "#[willump] pipelines are free functions: `self` cannot be lifted; pass the state as a parameter",
            );
        };
        let Pat::Ident(pi) = &*pt.pat else {
            return err(&pt.pat, "pipeline parameters must be plain names (`texts: &StringColumn`)");
        };
        if pi.mutability.is_some() || pi.by_ref.is_some() {
            return err(&pt.pat, "pipeline parameters are immutable: remove `mut` / `ref`");
        }
        let name = pi.ident.clone();
        names.insert(name.to_string());
        let before = pt.attrs.len();
        pt.attrs.retain(|a| !a.path().is_ident("row"));
        let is_row = pt.attrs.len() != before;
        let kind = if is_row {
            match &*pt.ty {
                Type::Reference(r) if r.mutability.is_none() => ParamKind::Row { inner: r.elem.clone() },
                other => {
                    return err(
                        other,
                        "row inputs are borrowed columns: write `&StringColumn` (or `&F64Column`, `&I64Column`, `&BoolColumn`)",
                    );
                }
            }
        } else {
            if let Type::Reference(r) = &*pt.ty
                && r.mutability.is_some()
            {
                return err(&pt.ty, "state is shared, never mutated: take it as `&T`, not `&mut T`");
            }
            ParamKind::State
        };
        params.push(Param { name, ty: (*pt.ty).clone(), kind });
    }
    if !params.iter().any(|p| matches!(p.kind, ParamKind::Row { .. })) {
        return err(
            &item.sig,
            "a #[willump] pipeline needs at least one per-row input: mark it `#[row]` (`#[row] texts: &StringColumn`)",
        );
    }

    // Forbidden constructs anywhere in the body, reported on their own tokens.
    let mut checker = Forbidden { error: None, closure_locals: Vec::new() };
    checker.visit_block(&item.block);
    if let Some(e) = checker.error {
        return Err(e);
    }

    let rows: HashSet<String> =
        params.iter().filter(|p| matches!(p.kind, ParamKind::Row { .. })).map(|p| p.name.to_string()).collect();
    let states: HashSet<String> =
        params.iter().filter(|p| matches!(p.kind, ParamKind::State)).map(|p| p.name.to_string()).collect();
    let mut scope = Scope { rows, states, lets: HashSet::new() };

    let mut stmts = Vec::new();
    let n = item.block.stmts.len();
    let mut tail = None;
    for (i, stmt) in item.block.stmts.iter().enumerate() {
        match stmt {
            Stmt::Local(local) => {
                let (name, ty) = match &local.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        if pi.mutability.is_some() {
                            return err(
                                pi,
                                "values in a lifted pipeline are immutable: remove `mut` and bind a new name instead",
                            );
                        }
                        (pi.ident.clone(), None)
                    }
                    Pat::Type(pt) => match &*pt.pat {
                        Pat::Ident(pi) if pi.mutability.is_none() && pi.by_ref.is_none() => {
                            (pi.ident.clone(), Some((*pt.ty).clone()))
                        }
                        other => return err(other, "bind one value per `let`, to a plain name"),
                    },
                    other => return err(other, "bind one value per `let`, to a plain name (no tuples or patterns)"),
                };
                let Some(init) = &local.init else {
                    return err(local, "every `let` in a lifted pipeline computes its value: `let x = op(...)?;`");
                };
                if let Some((_, diverge)) = &init.diverge {
                    return err(diverge, "`let ... else` cannot be lifted: a pipeline is straight-line code");
                }
                let (call_expr, fallible) = strip_try(&init.expr);
                let call = parse_call(call_expr, &scope)?;
                if names.contains(&name.to_string()) {
                    return err(&name, "this name shadows a pipeline parameter: choose another name");
                }
                scope.rows.remove(&name.to_string());
                scope.states.remove(&name.to_string());
                scope.lets.insert(name.to_string());
                stmts.push(LetCall { name, ty, call, fallible });
            }
            Stmt::Expr(expr, None) if i + 1 == n => tail = Some(expr),
            Stmt::Expr(expr, _) => {
                return err(
                    expr,
                    "every statement of a lifted pipeline is a `let` that binds one value: `let x = op(...)?;`",
                );
            }
            Stmt::Item(it) => {
                return err(it, "items cannot be declared inside a lifted pipeline: move them out of the function");
            }
            Stmt::Macro(m) => {
                return err(
                    &m.mac,
                    format!("unknown macro `{}!` cannot be lifted: call a function instead", path_string(&m.mac.path)),
                );
            }
        }
    }
    let Some(tail_expr) = tail else {
        return err(
            &item.block,
            "the body must end in the final model call, as its value: e.g. `model.predict_proba(x.view())`",
        );
    };
    let (tail_call, tail_fallible) = parse_tail(tail_expr)?;
    let tail = parse_call(tail_call, &scope)?;

    let graph_fn =
        opts.graph.unwrap_or_else(|| Ident::new(&format!("{}_graph", item.sig.ident), item.sig.ident.span()));
    Ok(PipelineFn {
        attrs: item.attrs.clone(),
        vis: item.vis.clone(),
        name: item.sig.ident.clone(),
        graph_fn,
        params,
        stmts,
        tail,
        tail_fallible,
        eager: item,
    })
}

fn returns_result(ty: &Type) -> bool {
    match ty {
        Type::Path(tp) => tp.path.segments.last().is_some_and(|s| s.ident == "Result"),
        _ => false,
    }
}

fn path_string(p: &syn::Path) -> String {
    p.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

/// `expr?` -> (`expr`, true); anything else -> (itself, false).
fn strip_try(e: &Expr) -> (&Expr, bool) {
    match e {
        Expr::Try(t) => (&t.expr, true),
        Expr::Paren(p) => strip_try(&p.expr),
        e => (e, false),
    }
}

/// The tail: `call` (returning the Result itself), `Ok(call?)` or `Ok(call)`.
fn parse_tail(e: &Expr) -> syn::Result<(&Expr, bool)> {
    if let Expr::Call(c) = e
        && let Expr::Path(p) = &*c.func
        && p.path.is_ident("Ok")
    {
        if c.args.len() != 1 {
            return err(e, "`Ok(...)` takes the final model call");
        }
        let (inner, fallible) = strip_try(&c.args[0]);
        if !matches!(inner, Expr::Call(_) | Expr::MethodCall(_)) {
            return err(
                inner,
                "the body must end in the final model call, e.g. `model.predict_proba(x.view())`, not a plain value",
            );
        }
        return Ok((inner, fallible));
    }
    match e {
        Expr::Call(_) | Expr::MethodCall(_) => Ok((e, true)),
        Expr::Try(_) => err(
            e,
            "the body must end in the final model call returning its `Result` (`model.predict_proba(x.view())`) or `Ok(call?)`",
        ),
        _ => {
            err(e, "the body must end in the final model call, e.g. `model.predict_proba(x.view())`, not a plain value")
        }
    }
}

/// Names in scope, by kind.
struct Scope {
    rows: HashSet<String>,
    states: HashSet<String>,
    lets: HashSet<String>,
}

impl Scope {
    fn is_value(&self, name: &str) -> bool {
        self.rows.contains(name) || self.lets.contains(name)
    }

    fn mentions(&self, e: &Expr) -> Option<Ident> {
        struct Finder<'a> {
            scope: &'a Scope,
            found: Option<Ident>,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if let Some(id) = p.path.get_ident() {
                    let s = id.to_string();
                    if self.found.is_none() && (self.scope.is_value(&s) || self.scope.states.contains(&s)) {
                        self.found = Some(id.clone());
                    }
                }
                syn::visit::visit_expr_path(self, p);
            }
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                // Look into macro bodies too (`vec![x]`): any ident token naming a value counts.
                for tt in m.tokens.clone() {
                    if let proc_macro2::TokenTree::Ident(id) = tt {
                        let s = id.to_string();
                        if self.found.is_none() && (self.scope.is_value(&s) || self.scope.states.contains(&s)) {
                            self.found = Some(id);
                        }
                    }
                }
            }
        }
        let mut f = Finder { scope: self, found: None };
        f.visit_expr(e);
        f.found
    }
}

fn parse_call(e: &Expr, scope: &Scope) -> syn::Result<Call> {
    match e {
        Expr::Call(c) => {
            if let Some(id) = scope.mentions(&c.func) {
                return err(
                    &c.func,
                    format!("the function called cannot be computed from `{id}`: call a named function"),
                );
            }
            let args = c.args.iter().map(|a| parse_arg(a, scope)).collect::<syn::Result<Vec<_>>>()?;
            let path = c.func.to_token_stream().to_string().replace(' ', "");
            Ok(Call { expr: e.clone(), callee: Callee::Fn { func: (*c.func).clone(), path }, args, span: e.span() })
        }
        Expr::MethodCall(m) => {
            let recv = parse_arg(&m.receiver, scope)?;
            let args = m.args.iter().map(|a| parse_arg(a, scope)).collect::<syn::Result<Vec<_>>>()?;
            Ok(Call {
                expr: e.clone(),
                callee: Callee::Method {
                    recv: Box::new(recv),
                    method: m.method.clone(),
                    turbofish: m.turbofish.clone(),
                },
                args,
                span: e.span(),
            })
        }
        Expr::Paren(p) => parse_call(&p.expr, scope),
        _ => err(
            e,
            "each `let` in a lifted pipeline binds the result of one call (`op(&x)?` or `state.method(&x)?`); compute other expressions inside a function",
        ),
    }
}

/// Methods that pass a value on unchanged (a view or conversion of the same data).
const ADAPTERS: &[&str] = &["view", "as_ref", "into", "clone", "as_slice", "borrow"];

fn parse_arg(e: &Expr, scope: &Scope) -> syn::Result<Arg> {
    // The binding an adapter chain starts from: `x`, `&x`, `&*x`, `(&x)`, `x.view()`, ...
    fn root(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(p) => p.path.get_ident(),
            Expr::Reference(r) if r.mutability.is_none() => root(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root(&u.expr),
            Expr::Paren(p) => root(&p.expr),
            Expr::MethodCall(m) if m.args.is_empty() && ADAPTERS.contains(&m.method.to_string().as_str()) => {
                root(&m.receiver)
            }
            _ => None,
        }
    }
    if let Expr::Reference(r) = e
        && r.mutability.is_some()
    {
        return err(e, "values in a lifted pipeline are immutable: `&mut` cannot be lifted");
    }
    if let Some(id) = root(e) {
        let s = id.to_string();
        if scope.is_value(&s) {
            let moved = matches!(e, Expr::Path(_)) && scope.lets.contains(&s);
            return Ok(Arg::Value { name: id.clone(), row: scope.rows.contains(&s), expr: e.clone(), moved });
        }
        if scope.states.contains(&s) {
            return Ok(Arg::State { name: id.clone(), expr: e.clone() });
        }
    }
    let list_items = match e {
        Expr::Array(a) => Some(a.elems.iter().collect::<Vec<_>>()),
        Expr::Reference(r) => match &*r.expr {
            Expr::Array(a) => Some(a.elems.iter().collect()),
            _ => None,
        },
        _ => None,
    };
    if let Some(items) = list_items
        && items.iter().any(|i| scope.mentions(i).is_some())
    {
        let items = items.into_iter().map(|i| parse_arg(i, scope)).collect::<syn::Result<Vec<_>>>()?;
        return Ok(Arg::List { items, expr: e.clone() });
    }
    if let Expr::Macro(m) = e {
        if m.mac.path.is_ident("vec") {
            let elems = m.mac.parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)?;
            if elems.iter().any(|i| scope.mentions(i).is_some()) {
                let items = elems.iter().map(|i| parse_arg(i, scope)).collect::<syn::Result<Vec<_>>>()?;
                return Ok(Arg::List { items, expr: e.clone() });
            }
            return Ok(Arg::Const { expr: e.clone() });
        }
        return err(
            &m.mac,
            format!("unknown macro `{}!` cannot be lifted: call a function instead", path_string(&m.mac.path)),
        );
    }
    if let Some(id) = scope.mentions(e) {
        return err(
            e,
            format!(
                "this argument computes with `{id}`: pass `{id}` itself (`{id}`, `&{id}`, `{id}.view()`) and bind any other expression with its own `let`"
            ),
        );
    }
    Ok(Arg::Const { expr: e.clone() })
}

/// Finds constructs that cannot be lifted anywhere in the body.
struct Forbidden {
    error: Option<syn::Error>,
    /// Names declared inside the closures being visited (innermost last).
    closure_locals: Vec<HashSet<String>>,
}

impl Forbidden {
    fn fail(&mut self, tokens: impl ToTokens, msg: &str) {
        if self.error.is_none() {
            self.error = Some(syn::Error::new_spanned(tokens, msg));
        }
    }

    fn in_closure(&self) -> bool {
        !self.closure_locals.is_empty()
    }

    fn is_closure_local(&self, e: &Expr) -> bool {
        let mut e = e;
        loop {
            match e {
                Expr::Field(f) => e = &f.base,
                Expr::Index(i) => e = &i.expr,
                Expr::Paren(p) => e = &p.expr,
                Expr::Unary(u) => e = &u.expr,
                Expr::Path(p) => {
                    return p
                        .path
                        .get_ident()
                        .is_some_and(|id| self.closure_locals.iter().any(|s| s.contains(&id.to_string())));
                }
                _ => return false,
            }
        }
    }
}

fn pat_names(p: &Pat, out: &mut HashSet<String>) {
    struct Names<'a>(&'a mut HashSet<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    Names(out).visit_pat(p);
}

impl<'ast> Visit<'ast> for Forbidden {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.error.is_some() {
            return;
        }
        let closure = self.in_closure();
        match e {
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) if !closure => self.fail(
                e,
                "loops cannot be lifted: a pipeline is straight-line code over whole columns; put per-row work in an operator or in a function called from a `let`",
            ),
            Expr::If(_) | Expr::Match(_) if !closure => self.fail(
                e,
                "branches (`if` / `match`) cannot be lifted: a pipeline is straight-line code; move the branch into a function called from a `let`",
            ),
            Expr::Return(_) => self.fail(
                e,
                "early `return` cannot be lifted: use `?` to pass errors on, and end the body with the final model call",
            ),
            Expr::Break(_) | Expr::Continue(_) if !closure => self.fail(e, "`break` / `continue` cannot be lifted"),
            Expr::Block(_) | Expr::Unsafe(_) | Expr::Async(_) | Expr::Await(_) | Expr::TryBlock(_) if !closure => self.fail(
                e,
                "blocks cannot be lifted: bind each value with its own `let`, or move the block into a function",
            ),
            Expr::Assign(a) if !(closure && self.is_closure_local(&a.left)) => self.fail(
                e,
                if closure {
                    "closures that capture mutable state cannot be lifted: the closure assigns to a value outside it; pass values in and return results"
                } else {
                    "mutation of a bound value cannot be lifted: values are immutable; bind the new value to a new name"
                },
            ),
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::AddAssign(_)
                        | syn::BinOp::SubAssign(_)
                        | syn::BinOp::MulAssign(_)
                        | syn::BinOp::DivAssign(_)
                        | syn::BinOp::RemAssign(_)
                        | syn::BinOp::BitXorAssign(_)
                        | syn::BinOp::BitAndAssign(_)
                        | syn::BinOp::BitOrAssign(_)
                        | syn::BinOp::ShlAssign(_)
                        | syn::BinOp::ShrAssign(_)
                ) && !(closure && self.is_closure_local(&b.left)) =>
            {
                self.fail(
                    e,
                    if closure {
                        "closures that capture mutable state cannot be lifted: the closure updates a value outside it"
                    } else {
                        "mutation of a bound value cannot be lifted: values are immutable; bind the new value to a new name"
                    },
                )
            }
            Expr::Reference(r) if r.mutability.is_some() && !(closure && self.is_closure_local(&r.expr)) => self.fail(
                e,
                if closure {
                    "closures that capture mutable state cannot be lifted: the closure borrows an outside value mutably"
                } else {
                    "mutation of a bound value cannot be lifted: `&mut` is not allowed in a pipeline"
                },
            ),
            Expr::Closure(c) => {
                let mut locals = HashSet::new();
                for p in &c.inputs {
                    pat_names(p, &mut locals);
                }
                // `let` bindings inside the closure body are its own.
                struct Lets<'a>(&'a mut HashSet<String>);
                impl<'ast> Visit<'ast> for Lets<'_> {
                    fn visit_local(&mut self, l: &'ast syn::Local) {
                        pat_names(&l.pat, self.0);
                        syn::visit::visit_local(self, l);
                    }
                }
                Lets(&mut locals).visit_expr(&c.body);
                self.closure_locals.push(locals);
                syn::visit::visit_expr(self, e);
                self.closure_locals.pop();
                return;
            }
            Expr::Macro(m) if !closure && !m.mac.path.is_ident("vec") => self.fail(
                &m.mac,
                &format!("unknown macro `{}!` cannot be lifted: call a function instead", path_string(&m.mac.path)),
            ),
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if !self.in_closure()
            && let Pat::Ident(pi) = &l.pat
            && pi.mutability.is_some()
        {
            self.fail(pi, "values in a lifted pipeline are immutable: remove `mut` and bind a new name instead");
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_item(&mut self, i: &'ast syn::Item) {
        if !self.in_closure() {
            self.fail(i, "items cannot be declared inside a lifted pipeline: move them out of the function");
        }
    }

    fn visit_span(&mut self, _: &Span) {}
}
