//! Entity ids: `u32` newtypes that index the graph's tables (Cranelift's entity style). Each id
//! kind has its own type so a node id can never index the state table, and a short prefix in the
//! text form (`v3`, `s1`).

/// Defines a `u32` entity id with a text prefix.
macro_rules! entity_id {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub struct $name(u32);

        impl $name {
            /// The text prefix of this id kind.
            pub const PREFIX: &'static str = $prefix;

            /// The id with index `i`.
            pub fn new(i: usize) -> Self {
                $name(u32::try_from(i).expect("entity index overflows u32"))
            }

            /// The id with index `i`, in const context.
            pub const fn from_u32(i: u32) -> Self {
                $name(i)
            }

            /// The table index.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// Parses the text form (`v3`).
            pub fn parse(s: &str) -> Option<Self> {
                let digits = s.strip_prefix($prefix)?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0')) {
                    return None;
                }
                digits.parse::<u32>().ok().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(self, f)
            }
        }
    };
}

entity_id!(
    /// A value computed by one node of the graph (`v0`, `v1`, ...).
    NodeId,
    "v"
);
entity_id!(
    /// A piece of bound state: a fitted vectorizer, a side table, a model, a user function
    /// (`s0`, `s1`, ...).
    StateId,
    "s"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        assert_eq!(NodeId::new(12).to_string(), "v12");
        assert_eq!(NodeId::parse("v12"), Some(NodeId::new(12)));
        assert_eq!(StateId::parse("s0"), Some(StateId::new(0)));
        for bad in ["v", "s1", "v01", "v-1", "vx", "v1 "] {
            assert_eq!(NodeId::parse(bad), None, "{bad}");
        }
    }
}
