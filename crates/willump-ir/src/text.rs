//! The stable text form of a graph: printing and parsing round-trip exactly (floats included), so
//! tests compare IR as text and users can read what was lifted.
//!
//! ```text
//! pipeline "text_pipeline" {
//!   state s0 "word" = vectorizer[class="tfidf", n_features=10000, tokens=false] fp=0x1f2e3d4c5b6a7988
//!   state s1 "model" = model[class="logistic_regression", n_features=10000, task=binary] fp=0x0123456789abcdef
//!   v0 "texts": str = input[index=0]()
//!   v1 "lower": str = lowercase(v0)
//!   v2 "w": sparse<10000> = vectorize(s0, v1)
//!   v3: dense<2> = model[output=proba](s1, v2)
//!   output v3
//! }
//! ```
//!
//! State lines print the kind, shape and fingerprint, never the contents. `;` starts a comment.

use std::fmt::Write as _;

use crate::entity::{NodeId, StateId};
use crate::error::IrError;
use crate::graph::{Graph, Node};
use crate::op::{Attr, Op};
use crate::state::{ModelTask, StateDecl, StateKind};
use crate::types::{ColumnType, Type};

/// Quotes a string with JSON-style escapes (`"`, `\`, control characters).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reverses [`quote`]; `None` when `s` is not exactly one quoted string.
pub fn unquote(s: &str) -> Option<String> {
    let mut cur = Cursor::new(s);
    let v = cur.string().ok()?;
    cur.skip_ws();
    cur.at_end().then_some(v)
}

/// The characters of `s` that are outside quoted strings (the quotes excluded), with
/// their byte offsets: the one place that knows the string-escape rules of the text form.
fn outside_strings(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut in_str, mut escaped) = (false, false);
    s.char_indices().filter(move |&(_, c)| {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            false
        } else {
            in_str = c == '"';
            !in_str
        }
    })
}

/// Splits `s` at `sep` where it is outside quotes and brackets.
pub fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in outside_strings(s) {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn fmt_attr(a: &Attr, out: &mut String) {
    match a {
        Attr::F64(v) => {
            let _ = write!(out, "{v:?}");
        }
        Attr::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Attr::Str(s) => out.push_str(&quote(s)),
        Attr::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Attr::Word(w) => out.push_str(w),
        Attr::List(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                fmt_attr(it, out);
            }
            out.push(']');
        }
    }
}

fn fmt_attrs(attrs: &[(&str, Attr)], out: &mut String) {
    if attrs.is_empty() {
        return;
    }
    out.push('[');
    for (i, (k, v)) in attrs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        fmt_attr(v, out);
    }
    out.push(']');
}

/// The attributes of a state kind, in text order.
fn state_attrs(kind: &StateKind) -> Vec<(&'static str, Attr)> {
    match kind {
        StateKind::Vectorizer { class, n_features, tokens } => vec![
            ("class", Attr::Str(class.clone())),
            ("n_features", Attr::Int(*n_features as i64)),
            ("tokens", Attr::Bool(*tokens)),
        ],
        StateKind::OneHot { n_categories, input } => {
            vec![("n_categories", Attr::Int(*n_categories as i64)), ("input", Attr::Word(input.as_str().into()))]
        }
        StateKind::SideTable { n_rows, keys, values } => vec![
            ("rows", Attr::Int(*n_rows as i64)),
            ("keys", Attr::List(keys.iter().map(|k| Attr::Word(k.as_str().into())).collect())),
            ("value_names", Attr::List(values.iter().map(|(n, _)| Attr::Str(n.clone())).collect())),
            ("value_types", Attr::List(values.iter().map(|(_, t)| Attr::Word(t.as_str().into())).collect())),
        ],
        StateKind::Model { class, n_features, task } => {
            let mut v = vec![("class", Attr::Str(class.clone())), ("n_features", Attr::Int(*n_features as i64))];
            match task {
                ModelTask::Binary => v.push(("task", Attr::Word("binary".into()))),
                ModelTask::Regression => v.push(("task", Attr::Word("regression".into()))),
                ModelTask::MultiClass(k) => {
                    v.push(("task", Attr::Word("multiclass".into())));
                    v.push(("n_classes", Attr::Int(*k as i64)));
                }
            }
            v
        }
        StateKind::Function { name } => vec![("name", Attr::Str(name.clone()))],
    }
}

fn state_kind_from(name: &str, attrs: &[(String, Attr)]) -> Result<StateKind, String> {
    let get =
        |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v).ok_or_else(|| format!("`{name}` needs `{k}`"));
    let int = |k: &str| match get(k)? {
        Attr::Int(i) if *i >= 0 => Ok(*i as usize),
        o => Err(format!("`{k}` must be a non-negative integer, found {o:?}")),
    };
    let string = |k: &str| match get(k)? {
        Attr::Str(s) => Ok(s.clone()),
        o => Err(format!("`{k}` must be a string, found {o:?}")),
    };
    let word = |k: &str| match get(k)? {
        Attr::Word(w) => Ok(w.clone()),
        o => Err(format!("`{k}` must be a word, found {o:?}")),
    };
    let coltype = |w: &Attr| match w {
        Attr::Word(w) => ColumnType::parse(w).ok_or_else(|| format!("unknown column type `{w}`")),
        o => Err(format!("expected a column type, found {o:?}")),
    };
    let list = |k: &str| match get(k)? {
        Attr::List(v) => Ok(v.clone()),
        o => Err(format!("`{k}` must be a list, found {o:?}")),
    };
    Ok(match name {
        "vectorizer" => StateKind::Vectorizer {
            class: string("class")?,
            n_features: int("n_features")?,
            tokens: matches!(get("tokens")?, Attr::Bool(true)),
        },
        "one_hot" => StateKind::OneHot { n_categories: int("n_categories")?, input: coltype(get("input")?)? },
        "side_table" => {
            let names = list("value_names")?;
            let types = list("value_types")?;
            if names.len() != types.len() {
                return Err("value_names and value_types differ in length".into());
            }
            let values = names
                .iter()
                .zip(&types)
                .map(|(n, t)| match n {
                    Attr::Str(n) => Ok((n.clone(), coltype(t)?)),
                    o => Err(format!("value name {o:?} is not a string")),
                })
                .collect::<Result<_, _>>()?;
            StateKind::SideTable {
                n_rows: int("rows")?,
                keys: list("keys")?.iter().map(coltype).collect::<Result<_, _>>()?,
                values,
            }
        }
        "model" => {
            let task = match word("task")?.as_str() {
                "binary" => ModelTask::Binary,
                "regression" => ModelTask::Regression,
                "multiclass" => ModelTask::MultiClass(int("n_classes")?),
                w => return Err(format!("unknown task `{w}`")),
            };
            StateKind::Model { class: string("class")?, n_features: int("n_features")?, task }
        }
        "function" => StateKind::Function { name: string("name")? },
        other => return Err(format!("unknown state kind `{other}`")),
    })
}

/// Prints the graph in its text form.
pub fn print(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "pipeline {} {{", quote(&g.name));
    for (i, s) in g.states().iter().enumerate() {
        let _ = write!(out, "  state {} {} = {}", StateId::new(i), quote(&s.name), s.kind.name());
        fmt_attrs(&state_attrs(&s.kind), &mut out);
        let _ = writeln!(out, " fp=0x{:016x}", s.fingerprint);
    }
    for id in g.node_ids() {
        let n = g.node(id);
        let _ = write!(out, "  {id}");
        if let Some(name) = &n.name {
            let _ = write!(out, " {}", quote(name));
        }
        let _ = write!(out, ": {} = {}", n.ty, n.op.name());
        fmt_attrs(&n.op.attrs(), &mut out);
        out.push('(');
        let mut first = true;
        if let Some(s) = n.op.state() {
            let _ = write!(out, "{s}");
            first = false;
        }
        for a in &n.args {
            if !first {
                out.push_str(", ");
            }
            let _ = write!(out, "{a}");
            first = false;
        }
        out.push_str(")\n");
    }
    if let Some(o) = g.output() {
        let _ = writeln!(out, "  output {o}");
    }
    out.push_str("}\n");
    out
}

/// Parses the text form, then validates the graph.
pub fn parse(text: &str) -> Result<Graph, IrError> {
    let mut name = None;
    let mut states: Vec<(usize, StateDecl)> = Vec::new();
    let mut nodes: Vec<(usize, NodeId, Node)> = Vec::new();
    let mut output = None;
    let mut closed = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |message: String| IrError::Parse { line: line_no, message };
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if closed {
            return Err(err("text after the closing `}`".into()));
        }
        let mut c = Cursor::new(line);
        if name.is_none() {
            c.keyword("pipeline").map_err(err)?;
            name = Some(c.string().map_err(err)?);
            c.punct('{').map_err(err)?;
            c.end().map_err(err)?;
            continue;
        }
        if line == "}" {
            closed = true;
            continue;
        }
        let head = c.word().map_err(err)?;
        match head.as_str() {
            "state" => {
                let id_text = c.word().map_err(err)?;
                let id = StateId::parse(&id_text).ok_or_else(|| err(format!("bad state id `{id_text}`")))?;
                let sname = c.string().map_err(err)?;
                c.punct('=').map_err(err)?;
                let kind_name = c.word().map_err(err)?;
                let attrs = c.attrs().map_err(err)?;
                let kind = state_kind_from(&kind_name, &attrs).map_err(err)?;
                c.keyword("fp").map_err(err)?;
                c.punct('=').map_err(err)?;
                let fp = c.word().map_err(err)?;
                let fingerprint = fp
                    .strip_prefix("0x")
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .ok_or_else(|| err(format!("bad fingerprint `{fp}`")))?;
                c.end().map_err(err)?;
                states.push((line_no, StateDecl { name: sname, kind, fingerprint }));
                if id.index() != states.len() - 1 {
                    return Err(err(format!("state {id} out of order (expected s{})", states.len() - 1)));
                }
            }
            "output" => {
                let w = c.word().map_err(err)?;
                output = Some(NodeId::parse(&w).ok_or_else(|| err(format!("bad value id `{w}`")))?);
                c.end().map_err(err)?;
            }
            w => {
                let id = NodeId::parse(w)
                    .ok_or_else(|| err(format!("expected `state`, `output` or a value id, found `{w}`")))?;
                c.skip_ws();
                let vname = if c.peek() == Some('"') { Some(c.string().map_err(err)?) } else { None };
                c.punct(':').map_err(err)?;
                let ty_text = c.until_top_level('=').map_err(err)?;
                let ty = Type::parse(ty_text).ok_or_else(|| err(format!("bad type `{}`", ty_text.trim())))?;
                c.punct('=').map_err(err)?;
                let op_name = c.word().map_err(err)?;
                let attrs = c.attrs().map_err(err)?;
                c.punct('(').map_err(err)?;
                let mut state = None;
                let mut args = Vec::new();
                c.skip_ws();
                if c.peek() != Some(')') {
                    loop {
                        let a = c.word().map_err(err)?;
                        if let Some(s) = StateId::parse(&a) {
                            if state.is_some() || !args.is_empty() {
                                return Err(err("the state argument must come first, once".into()));
                            }
                            state = Some(s);
                        } else {
                            args.push(NodeId::parse(&a).ok_or_else(|| err(format!("bad argument `{a}`")))?);
                        }
                        c.skip_ws();
                        if c.peek() == Some(',') {
                            c.bump();
                            continue;
                        }
                        break;
                    }
                }
                c.punct(')').map_err(err)?;
                c.end().map_err(err)?;
                let op = Op::from_parts(&op_name, state, &attrs).map_err(err)?;
                nodes.push((line_no, id, Node { op, args, ty, name: vname }));
            }
        }
    }
    let name = name.ok_or(IrError::Parse { line: 1, message: "expected `pipeline \"name\" {`".into() })?;
    if !closed {
        return Err(IrError::Parse { line: text.lines().count(), message: "missing closing `}`".into() });
    }
    // Node lines may appear in any order but must number v0..vN exactly once.
    nodes.sort_by_key(|(_, id, _)| *id);
    for (i, (line, id, _)) in nodes.iter().enumerate() {
        if id.index() != i {
            return Err(IrError::Parse {
                line: *line,
                message: format!("value ids must be v0..v{} once each; found {id}", nodes.len() - 1),
            });
        }
    }
    let states = states.into_iter().map(|(_, s)| s).collect();
    let nodes = nodes.into_iter().map(|(_, _, n)| n).collect();
    Graph::from_parts(name, states, nodes, output)
}

fn strip_comment(line: &str) -> &str {
    match outside_strings(line).find(|&(_, c)| c == ';') {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// A character cursor over one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn end(&mut self) -> Result<(), String> {
        self.skip_ws();
        if self.at_end() { Ok(()) } else { Err(format!("unexpected `{}`", &self.s[self.pos..])) }
    }

    fn punct(&mut self, p: char) -> Result<(), String> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == p => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(format!("expected `{p}`, found `{c}`")),
            None => Err(format!("expected `{p}`, found the end of the line")),
        }
    }

    /// A run of word characters (letters, digits, `_`, `.`, `+`, `-`): identifiers, ids, numbers.
    fn word(&mut self) -> Result<String, String> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')) {
            self.bump();
        }
        if start == self.pos {
            return Err(match self.peek() {
                Some(c) => format!("expected a word, found `{c}`"),
                None => "expected a word, found the end of the line".into(),
            });
        }
        Ok(self.s[start..self.pos].to_string())
    }

    fn keyword(&mut self, k: &str) -> Result<(), String> {
        let w = self.word()?;
        if w == k { Ok(()) } else { Err(format!("expected `{k}`, found `{w}`")) }
    }

    fn string(&mut self) -> Result<String, String> {
        self.punct('"')?;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err("unterminated string".into()),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('u') => {
                        self.punct('{')?;
                        let start = self.pos;
                        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                            self.bump();
                        }
                        let hex = &self.s[start..self.pos];
                        let c = u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("bad escape \\u{{{hex}}}"))?;
                        self.punct('}')?;
                        out.push(c);
                    }
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// The text up to (not including) the next `stop` outside quotes and brackets.
    fn until_top_level(&mut self, stop: char) -> Result<&'a str, String> {
        let rest = &self.s[self.pos..];
        let first = split_top_level(rest, stop);
        if first.len() < 2 {
            return Err(format!("expected `{stop}`"));
        }
        let taken = first[0];
        self.pos += taken.len();
        Ok(taken)
    }

    /// An optional `[key=value, ...]` attribute list.
    fn attrs(&mut self) -> Result<Vec<(String, Attr)>, String> {
        self.skip_ws();
        let mut out = Vec::new();
        if self.peek() != Some('[') {
            return Ok(out);
        }
        self.bump();
        loop {
            self.skip_ws();
            if self.peek() == Some(']') {
                self.bump();
                return Ok(out);
            }
            let k = self.word()?;
            self.punct('=')?;
            let v = self.attr()?;
            if out.iter().any(|(n, _)| *n == k) {
                return Err(format!("attribute `{k}` given twice"));
            }
            out.push((k, v));
            self.skip_ws();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                _ => return Err("expected `,` or `]` in attributes".into()),
            }
        }
    }

    fn attr(&mut self) -> Result<Attr, String> {
        self.skip_ws();
        match self.peek() {
            Some('"') => Ok(Attr::Str(self.string()?)),
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(']') {
                        self.bump();
                        return Ok(Attr::List(items));
                    }
                    items.push(self.attr()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => {
                            self.bump();
                        }
                        Some(']') => {}
                        _ => return Err("expected `,` or `]` in a list".into()),
                    }
                }
            }
            _ => {
                let w = self.word()?;
                Ok(match w.as_str() {
                    "true" => Attr::Bool(true),
                    "false" => Attr::Bool(false),
                    "inf" | "-inf" | "+inf" | "NaN" => Attr::F64(w.parse().map_err(|_| format!("bad number `{w}`"))?),
                    _ if w.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
                        if w.contains(['.', 'e', 'E']) {
                            Attr::F64(w.parse().map_err(|_| format!("bad number `{w}`"))?)
                        } else {
                            Attr::Int(w.parse().map_err(|_| format!("bad integer `{w}`"))?)
                        }
                    }
                    _ => Attr::Word(w),
                })
            }
        }
    }
}

impl std::fmt::Display for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print(self))
    }
}
