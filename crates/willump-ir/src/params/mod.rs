//! Operator parameters: plain, serializable data that says how an operator behaves. The runtime
//! holds the fitted state (vocabularies, tables); these structs hold only the settings.

pub mod numeric;
pub mod table;
pub mod text;
