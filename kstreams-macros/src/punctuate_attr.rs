//! `#[punctuate]` on its own: `#[processor]` on an impl block consumes the
//! `#[punctuate]` attributes of its methods, so reaching this macro means the
//! attribute is somewhere it cannot work.

use proc_macro2::{Span, TokenStream};

use crate::ctxt::with_errors;

pub(crate) fn expand(_args: TokenStream, input: TokenStream) -> TokenStream {
    let span = syn::parse2::<syn::ItemFn>(input.clone())
        .map(|f| f.sig.ident.span())
        .or_else(|_| syn::parse2::<syn::ImplItemFn>(input.clone()).map(|f| f.sig.ident.span()))
        .unwrap_or_else(|_| Span::call_site());
    let error = syn::Error::new(
        span,
        "`#[punctuate]` only works on a method of a `#[processor] impl` block; \
         put this method in the impl of your processor and add `#[processor]` to that impl",
    );
    with_errors(input, Err(error))
}
