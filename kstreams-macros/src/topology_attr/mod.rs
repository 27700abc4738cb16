//! `#[topology]`: parse ([`ast`]) → check ([`check`]) → expand ([`expand`]).

mod ast;
mod check;
mod expand;
mod retention;

use proc_macro2::TokenStream;

use crate::ctxt::{with_errors, Ctxt};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "`#[topology]` takes no arguments");
    }
    let item: syn::ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            cx.error_spanned_by(
                input.clone().into_iter().next(),
                "`#[topology]` goes on a function: `fn my_topology(b: &mut StreamsBuilder) { .. }`",
            );
            return with_errors(input, cx.check());
        }
    };
    let tokens = match ast::parse(&cx, item.clone()) {
        Some(t) => {
            check::check(&cx, &t);
            if cx.has_errors() {
                expand::dummy(&item, t.nodes.is_empty() && t.windows.is_empty())
            } else {
                expand::expand(&t)
            }
        }
        None => expand::dummy(&item, false),
    };
    with_errors(tokens, cx.check())
}
