//! willump-lift: the lowering logic behind `#[willump]`, as a normal library so that it is
//! unit-tested without proc-macro glue.
//!
//! [`lift`] parses a pipeline function into a small AST ([`ast`]), rejects whatever cannot be
//! lifted with an error spanned on the offending tokens ([`parse`]), and expands it ([`expand`])
//! into the unchanged eager function plus a graph function that records every call with the
//! tracer in `willump::__private`. The generated code names only paths in the `willump` facade.

pub mod ast;
pub mod expand;
pub mod parse;

use proc_macro2::TokenStream;

/// Expands `#[willump(attr)] item`. On error, returns the original item followed by the spanned
/// `compile_error!`, so that the rest of the user's crate still compiles and only the real
/// problem is reported.
pub fn lift(attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = syn::parse2::<syn::ItemFn>(item.clone());
    let result = parsed.and_then(|f| {
        let opts = parse::parse_options(attr)?;
        parse::parse_pipeline(f, opts)
    });
    match result {
        Ok(p) => expand::expand(&p),
        Err(e) => {
            let err = e.to_compile_error();
            // Strip `#[row]` so the original still compiles and only our error shows.
            let cleaned = match syn::parse2::<syn::ItemFn>(item.clone()) {
                Ok(mut f) => {
                    for input in f.sig.inputs.iter_mut() {
                        if let syn::FnArg::Typed(pt) = input {
                            pt.attrs.retain(|a| !a.path().is_ident("row"));
                        }
                    }
                    quote::quote!(#f)
                }
                Err(_) => item,
            };
            quote::quote!(#cleaned #err)
        }
    }
}
