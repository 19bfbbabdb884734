//! willump-macros: the `#[willump]` attribute. The lowering logic lives in the `willump-lift`
//! crate (unit-tested without proc-macro glue); this crate only forwards tokens. It depends on no
//! willump runtime crate: the code it emits names paths in the `willump` facade.

use proc_macro::TokenStream;

/// Lifts a straight-line pipeline function into the willump IR.
///
/// The function stays callable exactly as written (the eager path). The macro also generates
/// `<name>_graph(state arguments...) -> willump::Result<willump::Pipeline>`, which returns the
/// pipeline's graph bound to those state values. Per-row inputs are marked `#[row]` and taken as
/// `&Column`; every other parameter is state. See the `willump` crate docs and README for the
/// rules of what can be lifted.
#[proc_macro_attribute]
pub fn willump(attr: TokenStream, item: TokenStream) -> TokenStream {
    willump_lift::lift(attr.into(), item.into()).into()
}
