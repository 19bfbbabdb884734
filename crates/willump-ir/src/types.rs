//! The types of IR values: per-row columns, token lists, feature blocks (sparse or dense, with
//! their width when known), tables with a schema, and opaque Rust values.

use serde::{Deserialize, Serialize};

/// The element type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColumnType {
    /// UTF-8 strings.
    Str,
    /// 64-bit floats.
    F64,
    /// 64-bit signed integers.
    I64,
    /// Booleans.
    Bool,
}

impl ColumnType {
    /// The text form (`str`, `f64`, `i64`, `bool`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ColumnType::Str => "str",
            ColumnType::F64 => "f64",
            ColumnType::I64 => "i64",
            ColumnType::Bool => "bool",
        }
    }

    /// Parses the text form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "str" => ColumnType::Str,
            "f64" => ColumnType::F64,
            "i64" => ColumnType::I64,
            "bool" => ColumnType::Bool,
            _ => return None,
        })
    }

    /// Whether the type is numeric (f64, i64 or bool, which convert to f64 features).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, ColumnType::Str)
    }
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The named, typed columns of a table, in order.
pub type Schema = Vec<(String, ColumnType)>;

/// The type of an IR value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Type {
    /// One value per row.
    Column(ColumnType),
    /// A list of word tokens per row.
    Tokens,
    /// A CSR sparse feature block with this many columns (`None`: known only at run time).
    Sparse(Option<usize>),
    /// A dense feature block with this many columns (`None`: known only at run time).
    Dense(Option<usize>),
    /// A table with this schema.
    Table(Schema),
    /// A Rust value the IR does not know, by type name (produced and consumed by user code).
    Opaque(String),
}

impl Type {
    /// A string column.
    pub const STR: Type = Type::Column(ColumnType::Str);
    /// An f64 column.
    pub const F64: Type = Type::Column(ColumnType::F64);
    /// An i64 column.
    pub const I64: Type = Type::Column(ColumnType::I64);
    /// A bool column.
    pub const BOOL: Type = Type::Column(ColumnType::Bool);

    /// Whether values of this type are feature blocks a model can take (sparse, dense, or a
    /// numeric column, which is one dense feature).
    pub fn is_block(&self) -> bool {
        match self {
            Type::Sparse(_) | Type::Dense(_) => true,
            Type::Column(c) => c.is_numeric(),
            _ => false,
        }
    }

    /// The number of model-input columns a block of this type produces, when known.
    pub fn block_width(&self) -> Option<usize> {
        match self {
            Type::Sparse(w) | Type::Dense(w) => *w,
            Type::Column(c) if c.is_numeric() => Some(1),
            _ => None,
        }
    }

    /// The column type, for a column.
    pub fn column(&self) -> Option<ColumnType> {
        match self {
            Type::Column(c) => Some(*c),
            _ => None,
        }
    }

    /// The schema, for a table.
    pub fn schema(&self) -> Option<&Schema> {
        match self {
            Type::Table(s) => Some(s),
            _ => None,
        }
    }

    /// Parses the text form printed by `Display`.
    pub fn parse(s: &str) -> Option<Type> {
        let s = s.trim();
        if let Some(c) = ColumnType::parse(s) {
            return Some(Type::Column(c));
        }
        if s == "tokens" {
            return Some(Type::Tokens);
        }
        let width = |inner: &str| -> Option<Option<usize>> {
            if inner == "?" { Some(None) } else { inner.parse().ok().map(Some) }
        };
        if let Some(inner) = s.strip_prefix("sparse<").and_then(|r| r.strip_suffix('>')) {
            return width(inner).map(Type::Sparse);
        }
        if let Some(inner) = s.strip_prefix("dense<").and_then(|r| r.strip_suffix('>')) {
            return width(inner).map(Type::Dense);
        }
        if let Some(inner) = s.strip_prefix("opaque<").and_then(|r| r.strip_suffix('>')) {
            return crate::text::unquote(inner).map(Type::Opaque);
        }
        if let Some(inner) = s.strip_prefix("table{").and_then(|r| r.strip_suffix('}')) {
            let mut schema = Vec::new();
            for field in crate::text::split_top_level(inner, ',') {
                let field = field.trim();
                if field.is_empty() {
                    continue;
                }
                let (name, ty) = field.rsplit_once(':')?;
                schema.push((crate::text::unquote(name.trim())?, ColumnType::parse(ty.trim())?));
            }
            return Some(Type::Table(schema));
        }
        None
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = |w: &Option<usize>| w.map_or_else(|| "?".to_string(), |n| n.to_string());
        match self {
            Type::Column(c) => write!(f, "{c}"),
            Type::Tokens => f.write_str("tokens"),
            Type::Sparse(n) => write!(f, "sparse<{}>", w(n)),
            Type::Dense(n) => write!(f, "dense<{}>", w(n)),
            Type::Opaque(name) => write!(f, "opaque<{}>", crate::text::quote(name)),
            Type::Table(schema) => {
                f.write_str("table{")?;
                for (i, (name, ty)) in schema.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {ty}", crate::text::quote(name))?;
                }
                f.write_str("}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_parse_round_trip() {
        let types = [
            Type::STR,
            Type::F64,
            Type::I64,
            Type::BOOL,
            Type::Tokens,
            Type::Sparse(Some(50_000)),
            Type::Sparse(None),
            Type::Dense(Some(3)),
            Type::Dense(None),
            Type::Opaque("my_crate::Thing<u8>".into()),
            Type::Table(vec![]),
            Type::Table(vec![("tail num".into(), ColumnType::Str), ("a:b, c".into(), ColumnType::F64)]),
        ];
        for t in types {
            let s = t.to_string();
            assert_eq!(Type::parse(&s), Some(t.clone()), "{s}");
        }
        assert_eq!(Type::parse("sparse<x>"), None);
        assert_eq!(Type::parse("table{a: q}"), None);
    }

    #[test]
    fn block_widths() {
        assert_eq!(Type::F64.block_width(), Some(1));
        assert_eq!(Type::STR.block_width(), None);
        assert!(!Type::STR.is_block());
        assert_eq!(Type::Sparse(Some(7)).block_width(), Some(7));
    }
}
