//! The small AST of a lifted pipeline function: row inputs, state parameters, one call per `let`,
//! and the final model call. Parsing (`parse.rs`) produces it and rejects what cannot be lifted;
//! expansion (`expand.rs`) turns it into the eager function and the graph function.

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, Type, Visibility};

/// A pipeline function after parsing and validation.
pub struct PipelineFn {
    /// Attributes of the original function (docs, `#[allow]`, ...), kept on the eager function.
    pub attrs: Vec<Attribute>,
    /// Its visibility, shared by the generated graph function.
    pub vis: Visibility,
    /// The original function, with `#[row]` markers removed (the eager path, unchanged).
    pub eager: syn::ItemFn,
    /// Its name.
    pub name: Ident,
    /// The name of the generated graph function.
    pub graph_fn: Ident,
    /// All parameters in order.
    pub params: Vec<Param>,
    /// One call per `let`, in order.
    pub stmts: Vec<LetCall>,
    /// The final model call.
    pub tail: Call,
    /// Whether the tail is returned as is (`call` returning a `Result`) or wrapped (`Ok(call?)`
    /// / `Ok(call)`); for the graph function this only decides whether to apply `?`.
    pub tail_fallible: bool,
}

/// A parameter: a per-row input or bound state.
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its type as written.
    pub ty: Type,
    /// Row input (`#[row]`) or state.
    pub kind: ParamKind,
}

/// What a parameter is.
pub enum ParamKind {
    /// A per-row column; the borrowed type `T` of `&T`.
    Row {
        /// The column type behind the reference.
        inner: Box<Type>,
    },
    /// Fitted state (a vectorizer, a side table, a model, a user value).
    State,
}

/// `let name = call;` or `let name = call?;`.
pub struct LetCall {
    /// The bound name.
    pub name: Ident,
    /// An explicit type annotation, if any.
    pub ty: Option<Type>,
    /// The call.
    pub call: Call,
    /// Whether `?` follows the call.
    pub fallible: bool,
}

/// A call: `path(args)` or `receiver.method(args)`.
pub struct Call {
    /// The whole call expression as written (for spans and for the eager copy).
    pub expr: Expr,
    /// What is called.
    pub callee: Callee,
    /// The arguments.
    pub args: Vec<Arg>,
    /// Where the call is.
    pub span: Span,
}

/// What a call calls.
pub enum Callee {
    /// A function by path (any expression that names a function: `lowercase`,
    /// `willump::ops::lowercase`, `Vec::<u8>::new`).
    Fn {
        /// The function expression.
        func: Expr,
        /// Its path as written, for reports.
        path: String,
    },
    /// A method on a receiver.
    Method {
        /// The receiver.
        recv: Box<Arg>,
        /// The method name.
        method: Ident,
        /// Turbofish generic arguments, if any.
        turbofish: Option<syn::AngleBracketedGenericArguments>,
    },
}

/// One argument (or receiver), classified.
pub enum Arg {
    /// A pipeline value (a `let` binding or a row input), passed as written through an adapter
    /// that keeps its value (`x`, `&x`, `x.view()`, `(&x).into()`, ...).
    Value {
        /// The binding's name.
        name: Ident,
        /// Whether it is a row parameter (a reference) rather than a `let` binding (an owned
        /// value).
        row: bool,
        /// The argument expression as written.
        expr: Expr,
        /// Whether the expression moves the binding (bare `x` of a `let` binding).
        moved: bool,
    },
    /// A state parameter, passed as written (`model`, `&planes`, `*word`).
    State {
        /// The parameter's name.
        name: Ident,
        /// The argument expression as written.
        expr: Expr,
    },
    /// A constant expression that mentions no pipeline value or state.
    Const {
        /// The expression.
        expr: Expr,
    },
    /// A list of arguments (`&[&a, &b]`, `[a, b]`, `vec![a, b]`), rebuilt as written.
    List {
        /// The elements.
        items: Vec<Arg>,
        /// The expression as written.
        expr: Expr,
    },
}

impl Arg {
    /// The expression as written.
    pub fn expr(&self) -> &Expr {
        match self {
            Arg::Value { expr, .. } | Arg::State { expr, .. } | Arg::Const { expr } | Arg::List { expr, .. } => expr,
        }
    }
}
