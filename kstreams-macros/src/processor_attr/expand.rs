//! Code generation for `#[processor]`.
//!
//! A function `fn successful(p: &Payment) -> bool` becomes a unit struct
//! `successful` (so it can be passed to `.via(successful)` and named in
//! error messages) that derefs to the original function (so
//! `successful(&p)` still works in unit tests), plus an implementation of
//! `kstreams::processor::ProcessorSupplier`. An impl block gets an
//! implementation of `kstreams::Processor` that schedules its
//! `#[punctuate]` methods in `init`. Generated code sits in `const _: () =
//! { .. };` and uses fully qualified paths.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::ast::{has_impl_trait, Fallible, FnNode, ImplProcessor, Shape};
use super::attr::TimeKind;

/// The unit struct and the original function, without the node impl.
fn struct_and_fn(node: &FnNode) -> (TokenStream, TokenStream) {
    let item = &node.item;
    let name = &item.sig.ident;
    let vis = &item.vis;
    let docs: Vec<&syn::Attribute> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let mut inner = item.clone();
    inner.attrs.retain(|a| !a.path().is_ident("doc"));
    inner.vis = syn::Visibility::Inherited;
    let arg_tys = item.sig.inputs.iter().filter_map(|a| match a {
        syn::FnArg::Typed(t) => Some(&t.ty),
        syn::FnArg::Receiver(_) => None,
    });
    let output = &item.sig.output;
    let fn_ptr = quote!(fn(#(#arg_tys),*) #output);
    let the_struct = quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;
    };
    // `impl Trait` cannot be named in a fn pointer: such nodes are not callable.
    let returns_impl = matches!(&item.sig.output, syn::ReturnType::Type(_, t) if has_impl_trait(t));
    if returns_impl {
        return (the_struct, quote!(#inner));
    }
    let the_fn = quote! {
        #inner
        impl ::core::ops::Deref for #name {
            type Target = #fn_ptr;
            fn deref(&self) -> &Self::Target {
                const NODE_FN: #fn_ptr = #name;
                &NODE_FN
            }
        }
    };
    (the_struct, the_fn)
}

/// Store parameters of a function node, resolved against the declarations:
/// `(parameter name, key serde, value serde, kind)` in parameter order.
pub(crate) struct StoreArg {
    pub(crate) name: syn::Ident,
    /// The parameter's type (function nodes) or the declaration, for spans.
    pub(crate) param_span: proc_macro2::Span,
    pub(crate) key_serde: syn::Type,
    pub(crate) value_serde: syn::Type,
    pub(crate) spec: StoreSpec,
}

/// The kind of a declared store, with its checked options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreSpec {
    KeyValue,
    Window {
        size_ms: u64,
        retention_ms: u64,
        retain_duplicates: bool,
    },
    Session {
        retention_ms: u64,
    },
}

impl StoreArg {
    /// `ctx.get_*_store::<KS, VS>("name")`: the typed handle, as `kstreams::Result`.
    fn get_from(&self, ctx: TokenStream) -> TokenStream {
        let (ks, vs, name) = (&self.key_serde, &self.value_serde, self.name.to_string());
        let getter = match self.spec {
            StoreSpec::KeyValue => quote!(get_key_value_store),
            StoreSpec::Window { .. } => quote!(get_window_store),
            StoreSpec::Session { .. } => quote!(get_session_store),
        };
        quote!(#ctx.#getter::<#ks, #vs>(#name))
    }

    /// The handle type `get_from` returns.
    fn handle_type(&self) -> TokenStream {
        let (ks, vs) = (&self.key_serde, &self.value_serde);
        match self.spec {
            StoreSpec::KeyValue => quote!(::kstreams::state::KeyValueStoreHandle<#ks, #vs>),
            StoreSpec::Window { .. } => quote!(::kstreams::state::WindowStoreHandle<#ks, #vs>),
            StoreSpec::Session { .. } => quote!(::kstreams::state::SessionStoreHandle<#ks, #vs>),
        }
    }

    /// The function turning a locked store into the parameter type.
    fn param_fn(&self) -> TokenStream {
        match self.spec {
            StoreSpec::KeyValue => quote!(store_param),
            StoreSpec::Window { .. } => quote!(window_store_param),
            StoreSpec::Session { .. } => quote!(session_store_param),
        }
    }

    /// The `ConnectedStore` that adds the store to the topology.
    fn connected(&self) -> TokenStream {
        let (ks, vs, name) = (&self.key_serde, &self.value_serde, self.name.to_string());
        match self.spec {
            StoreSpec::KeyValue => {
                quote!(::kstreams::__private::key_value_store::<#ks, #vs>(#name))
            }
            StoreSpec::Window {
                size_ms,
                retention_ms,
                retain_duplicates,
            } => {
                quote!(::kstreams::__private::window_store::<#ks, #vs>(#name, #size_ms, #retention_ms, #retain_duplicates))
            }
            StoreSpec::Session { retention_ms } => {
                quote!(::kstreams::__private::session_store::<#ks, #vs>(#name, #retention_ms))
            }
        }
    }
}

/// `error` (an expression) as the `kstreams::Error` of the node named by
/// `node_name` (an expression), through `IntoProcessingError`. Spanned at
/// the user's error type (or return type, for aliases such as
/// `kstreams::Result<T>`): an error type that does not convert is reported
/// there.
pub(crate) fn convert_error(
    fallible: &Fallible,
    error: TokenStream,
    node_name: TokenStream,
) -> TokenStream {
    let span = syn::spanned::Spanned::span(&fallible.ret);
    let error_ty = match &fallible.error {
        Some(e) => quote!(#e),
        None => quote_spanned!(span=> _),
    };
    quote_spanned! {span=>
        <#error_ty as ::kstreams::errors::IntoProcessingError>::into_processing_error(#error, #node_name)
    }
}

/// The body of the operator: `record` in, `emit(..)` out. With stores, the
/// body first takes each store from `ctx` and locks it for the call; the
/// locks are released before anything is forwarded (a node downstream may
/// use the same store). `node_name` is an expression naming the node, for
/// the errors of fallible functions.
fn op_body(node: &FnNode, stores: &[StoreArg], node_name: TokenStream) -> TokenStream {
    let name = &node.item.sig.ident;
    let arg = |by_ref: bool, ident: TokenStream| if by_ref { quote!(&#ident) } else { ident };
    let value_arg = arg(node.value.by_ref, quote!(value));
    let record_args = match &node.key {
        Some(k) if k.by_ref => quote!(&key, #value_arg),
        Some(_) => quote!(::core::clone::Clone::clone(&key), #value_arg),
        None => value_arg,
    };
    let guards: Vec<syn::Ident> = (0..stores.len())
        .map(|i| format_ident!("__kstreams_guard_{}", i))
        .collect();
    let take = stores.iter().zip(&guards).enumerate().map(|(i, (s, g))| {
        let handle = format_ident!("__kstreams_store_{}", i);
        let get = s.get_from(quote!(ctx));
        quote! {
            let #handle = #get?;
            let mut #g = #handle.lock();
        }
    });
    let store_args = stores.iter().zip(&guards).map(|(s, g)| {
        let (ks, vs, param_fn) = (&s.key_serde, &s.value_serde, s.param_fn());
        quote_spanned!(s.param_span=> , ::kstreams::__private::#param_fn::<#ks, #vs>(&mut *#g))
    });
    let store_args = quote!(#(#store_args)*);
    let release = quote!(#(::core::mem::drop(#guards);)*);
    let emit_fn = if stores.is_empty() {
        quote!()
    } else {
        quote!(let mut emit = |r| ::kstreams::processor::ProcessorContext::forward(ctx, r);)
    };
    let record = quote!(::kstreams::processor::Record);
    // The user's function called with `args`: its output, or (fallible) the
    // `Ok` value, returning the converted `Err` from the operator.
    let call = |args: TokenStream| match &node.fallible {
        None => quote!(#name(#args)),
        Some(f) => {
            let error = format_ident!("__kstreams_error");
            let converted = convert_error(f, quote!(#error), node_name.clone());
            quote! {
                match #name(#args) {
                    ::core::result::Result::Ok(output) => output,
                    ::core::result::Result::Err(#error) => {
                        return ::core::result::Result::Err(#converted);
                    }
                }
            }
        }
    };
    let output = call(quote!(#record_args #store_args));
    let (compute, emit) = match node.shape {
        Shape::Filter => {
            let args = if node.key.is_some() {
                quote!(&record.key, &record.value)
            } else {
                quote!(&record.value)
            };
            (
                {
                    let keep = call(quote!(#args #store_args));
                    quote!(let keep = #keep;)
                },
                quote!(if keep {
                    emit(record)
                } else {
                    ::core::result::Result::Ok(())
                }),
            )
        }
        Shape::MapValues => (
            quote! {
                let #record { key, value, timestamp, headers } = record;
                let value = #output;
            },
            quote!(emit(#record { key, value, timestamp, headers })),
        ),
        Shape::Map => (
            quote! {
                let #record { key, value, timestamp, headers } = record;
                let (key, value) = #output;
            },
            quote!(emit(#record { key, value, timestamp, headers })),
        ),
        Shape::FlatMapValues => (
            quote! {
                let #record { key, value, timestamp, headers } = record;
                let values: ::std::vec::Vec<_> = ::core::iter::IntoIterator::into_iter(#output).collect();
            },
            quote! {
                for value in values {
                    emit(#record { key: ::core::clone::Clone::clone(&key), value, timestamp, headers: ::core::clone::Clone::clone(&headers) })?;
                }
                ::core::result::Result::Ok(())
            },
        ),
        Shape::FlatMap => (
            quote! {
                let #record { key, value, timestamp, headers } = record;
                let pairs: ::std::vec::Vec<_> = ::core::iter::IntoIterator::into_iter(#output).collect();
            },
            quote! {
                for (key, value) in pairs {
                    emit(#record { key, value, timestamp, headers: ::core::clone::Clone::clone(&headers) })?;
                }
                ::core::result::Result::Ok(())
            },
        ),
    };
    quote! {
        #(#take)*
        #compute
        #release
        #emit_fn
        #emit
    }
}

/// How much of a function node to emit when there are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Errors {
    None,
    /// Only the store declarations are wrong: the function itself is kept
    /// (callable, and using what it imports).
    InStores,
    /// The function is wrong: only the unit struct is kept.
    InFunction,
}

/// The serdes of declarations that could not be resolved, named once in
/// a `PhantomData` constant: with an error in a store's options, its serdes
/// (and the user's imports of them) are still used, so the only message is
/// the error itself, not an "unused import" besides.
pub(crate) fn mention_serdes(declared: &[super::attr::StoreDecl]) -> TokenStream {
    let mentions = declared.iter().filter_map(|d| {
        let kind = super::attr::store_kind(&d.kind)?;
        let (ks, vs) = super::ast::two_type_args(&d.kind, &kind)?;
        Some(quote! {
            const _: ::core::marker::PhantomData<(#ks, #vs)> = ::core::marker::PhantomData;
        })
    });
    quote!(#(#mentions)*)
}

/// The full expansion of a function node. With errors, the node impl is
/// kept (so wiring it still type-checks) but never runs: the errors are
/// reported separately.
pub(crate) fn expand_fn(node: &FnNode, stores: &[StoreArg], errors: Errors) -> TokenStream {
    let dummy = errors != Errors::None;
    let (the_struct, the_fn) = struct_and_fn(node);
    let name = &node.item.sig.ident;
    let name_str = name.to_string();
    let any_key = format_ident!("AnyKey");
    let (generics, key_in) = match &node.key {
        Some(k) => (quote!(), k.ty.clone()),
        None => (
            quote!(<#any_key: ::core::clone::Clone + 'static>),
            syn::parse_quote!(#any_key),
        ),
    };
    let value_in = &node.value.ty;
    let key_out = node.key_out.clone().unwrap_or_else(|| key_in.clone());
    let value_out = &node.value_out;
    let body = if dummy {
        quote!(::core::unreachable!("this node did not compile"))
    } else if stores.is_empty() {
        let op = op_body(node, stores, quote!(node_name));
        quote! {
            ::kstreams::__private::stateless::<#key_in, #value_in, #key_out, #value_out>(
                move |record, node_name, emit| {
                    let _ = &node_name;
                    #op
                }
            )
        }
    } else {
        let op = op_body(node, stores, quote!(::kstreams::__private::node_name(ctx)));
        quote! {
            ::kstreams::__private::with_context::<#key_in, #value_in, #key_out, #value_out>(
                move |record, ctx| { #op }
            )
        }
    };
    // With errors, the declared serdes may be what is wrong: don't name them again.
    let connected = if dummy {
        quote!()
    } else {
        connected_stores(stores, quote!(&self))
    };
    let the_fn = if errors == Errors::InFunction {
        quote!()
    } else {
        the_fn
    };
    quote! {
        #the_struct
        const _: () = {
            #the_fn
            impl #generics ::kstreams::processor::ProcessorSupplier<#key_in, #value_in, #key_out, #value_out> for #name {
                fn node_name(&self) -> ::core::option::Option<&'static str> {
                    ::core::option::Option::Some(#name_str)
                }
                #connected
                fn into_factory(self) -> ::kstreams::__private::Factory {
                    #body
                }
            }
        };
    }
}

/// `fn connected_stores(..)` listing the declared stores (none: nothing).
/// `receiver` is `&self` for `ProcessorSupplier`, empty for `Processor`.
fn connected_stores(stores: &[StoreArg], receiver: TokenStream) -> TokenStream {
    if stores.is_empty() {
        return quote!();
    }
    let list = stores.iter().map(StoreArg::connected);
    quote! {
        fn connected_stores(#receiver) -> ::std::vec::Vec<::kstreams::__private::ConnectedStore> {
            ::std::vec![#(#list),*]
        }
    }
}

/// The impl block (without `#[punctuate]` attributes) and its `Processor` impl.
pub(crate) fn expand_impl(p: &ImplProcessor, stores: &[StoreArg]) -> TokenStream {
    let item = &p.item;
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let (ki, vi, ko, vo) = (&p.key_in, &p.value_in, &p.key_out, &p.value_out);
    let ctx_ty = quote!(::kstreams::processor::ProcessorContext<'_, #ko, #vo>);
    let result = quote!(::kstreams::Result<()>);
    let schedules = p.punctuators.iter().enumerate().map(|(i, punct)| {
        let ms = punct.attr.every_ms;
        let kind = match punct.attr.time {
            TimeKind::StreamTime => quote!(StreamTime),
            TimeKind::WallClockTime => quote!(WallClockTime),
        };
        let key = i as u64;
        quote! {
            ctx.schedule_keyed(
                ::core::time::Duration::from_millis(#ms),
                ::kstreams::processor::PunctuationType::#kind,
                #key,
            )?;
        }
    });
    let arms = p.punctuators.iter().enumerate().map(|(i, punct)| {
        let key = i as u64;
        let method = &punct.method;
        quote!(#key => #self_ty::#method(self, timestamp, ctx),)
    });
    let user_init = if p.has_init {
        quote!(#self_ty::init(self, ctx))
    } else {
        quote!(::core::result::Result::Ok(()))
    };
    let user_close = if p.has_close {
        quote!(#self_ty::close(self);)
    } else {
        quote!()
    };
    let connected = connected_stores(stores, quote!());
    let converted = convert_error(
        &p.process_error,
        quote!(__kstreams_error),
        quote!(::kstreams::__private::node_name(ctx)),
    );
    let accessors = stores.iter().map(|s| {
        let name = s.name.to_string();
        let method = format_ident!("{}_store", s.name, span = s.name.span());
        let doc = format!("The `{name}` store of this processor (declared in `#[processor(stores(..))]`), from the task of `ctx`.");
        let (handle, get) = (s.handle_type(), s.get_from(quote!(ctx)));
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            fn #method<K, V>(
                ctx: &::kstreams::processor::ProcessorContext<'_, K, V>,
            ) -> ::kstreams::Result<#handle> {
                #get
            }
        }
    });
    let accessors = if stores.is_empty() {
        quote!()
    } else {
        quote! {
            impl #impl_generics #self_ty #where_clause {
                #(#accessors)*
            }
        }
    };
    quote! {
        #item
        #accessors
        const _: () = {
            impl #impl_generics ::kstreams::processor::Processor<#ki, #vi, #ko, #vo> for #self_ty #where_clause {
                fn init(&mut self, ctx: &mut #ctx_ty) -> #result {
                    #(#schedules)*
                    #user_init
                }
                fn process(&mut self, record: ::kstreams::processor::Record<#ki, #vi>, ctx: &mut #ctx_ty) -> #result {
                    match #self_ty::process(self, record, ctx) {
                        ::core::result::Result::Ok(()) => ::core::result::Result::Ok(()),
                        ::core::result::Result::Err(__kstreams_error) => ::core::result::Result::Err(#converted),
                    }
                }
                fn punctuate(&mut self, id: u64, timestamp: i64, ctx: &mut #ctx_ty) -> #result {
                    let _ = (&timestamp, &ctx);
                    match id {
                        #(#arms)*
                        _ => ::core::result::Result::Ok(()),
                    }
                }
                fn close(&mut self) {
                    #user_close
                }
                #connected
            }
        };
    }
}
