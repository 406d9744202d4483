//! `gen_fn!` (generator functions and methods) and `gen_block!` (generator expressions with a
//! statement body): parse, then expand.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Block, FnArg, Generics, Ident, Token, Type, Visibility};

use crate::body::{Rewrite, co_ident, mark_yield_from};

mod kw {
    syn::custom_keyword!(send);
    syn::custom_keyword!(throw);
}

/// The types a generator declares after `->`: `yield Y, send S, throw E, return R`, each
/// optional, in any order (Python's `Generator[Y, S, R]`, plus the type `throw` raises).
#[derive(Default)]
pub(crate) struct Types {
    yield_: Option<Type>,
    send: Option<Type>,
    throw: Option<Type>,
    return_: Option<Type>,
}

impl Types {
    fn parse_clauses(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut types = Types::default();
        loop {
            let lookahead = input.lookahead1();
            let (slot, name) = if lookahead.peek(Token![yield]) {
                input.parse::<Token![yield]>()?;
                (&mut types.yield_, "yield")
            } else if lookahead.peek(kw::send) {
                input.parse::<kw::send>()?;
                (&mut types.send, "send")
            } else if lookahead.peek(kw::throw) {
                input.parse::<kw::throw>()?;
                (&mut types.throw, "throw")
            } else if lookahead.peek(Token![return]) {
                input.parse::<Token![return]>()?;
                (&mut types.return_, "return")
            } else {
                let mut error = lookahead.error();
                error.combine(syn::Error::new(
                    error.span(),
                    "a generator declares its types as `yield Y, send S, throw E, return R` \
                     (each optional; Python's `Generator[Y, S, R]`)",
                ));
                return Err(error);
            };
            let span = input.span();
            let ty: Type = input.parse()?;
            if slot.replace(ty).is_some() {
                return Err(syn::Error::new(span, format!("`{name}` is declared twice")));
            }
            if !input.peek(Token![,]) {
                return Ok(types);
            }
            input.parse::<Token![,]>()?;
        }
    }

    /// `Y, S, E, R` for `coroutine::<Y, S, E, R, _>`: what is not declared is `()` (send,
    /// return in a function), `Infallible` (throw), or inferred (`_`, yield and return in a
    /// block).
    fn generic_args(&self, infer: bool) -> [TokenStream; 4] {
        let or = |ty: &Option<Type>, default: TokenStream| {
            ty.as_ref().map_or(default, ToTokens::to_token_stream)
        };
        let inferred = if infer { quote!(_) } else { quote!(()) };
        [
            or(&self.yield_, inferred.clone()),
            or(&self.send, quote!(())),
            or(&self.throw, quote!(::core::convert::Infallible)),
            or(&self.return_, inferred),
        ]
    }
}

/// Input: a body block (its `yield`s already marked by `mark_yield_from`).
/// Output: `$crate::coroutine::<Y, S, E, R, _>(async [move] |mut __cogen_co| body)`, or
/// `$crate::async_coroutine::<..>(..)` for an async generator (`asyncness`), where `$crate` is
/// `krate`, the path of `cogen` that the front door passed in.
///
/// The types are given to `coroutine` by turbofish rather than as closure annotations: in an
/// expression, an elided lifetime (`yield &str`) is inferred, where in a closure's signature it
/// would become a lifetime of its own; and the return type reaches the closure, so `?` knows
/// what to convert into.
fn coroutine_call(
    krate: &TokenStream,
    mut body: Block,
    types: &Types,
    capture: Option<Token![move]>,
    asyncness: Option<Token![async]>,
    infer: bool,
) -> syn::Result<TokenStream> {
    Rewrite::block(&mut body, krate, asyncness.is_some())?;
    let constructor = constructor(asyncness);
    let [y, s, e, r] = types.generic_args(infer);
    let co = co_ident(Span::call_site());
    // Without a `move`, the body borrows what it uses, like a closure.
    let capture = capture.map(|m| quote_spanned!(m.span=> move));
    Ok(quote! {
        #krate::#constructor::<#y, #s, #e, #r, _>(
            async #capture |#[allow(unused_mut)] mut #co| #body
        )
    })
}

/// `coroutine`, or `async_coroutine` for an async generator (at the span of its `async`).
fn constructor(asyncness: Option<Token![async]>) -> Ident {
    match asyncness {
        Some(a) => Ident::new("async_coroutine", a.span),
        None => Ident::new("coroutine", Span::call_site()),
    }
}

/// One `fn` of a `gen_fn!`.
pub(crate) struct GenFn {
    attrs: Vec<Attribute>,
    vis: Visibility,
    asyncness: Option<Token![async]>,
    ident: Ident,
    generics: Generics,
    inputs: Punctuated<FnArg, Token![,]>,
    types: Types,
    body: Block,
}

impl Parse for GenFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if input.peek(Token![const]) {
            return Err(input.error("a generator function cannot be `const`"));
        }
        // `async fn`: an async generator, whose body may `.await`.
        let asyncness: Option<Token![async]> = input.parse()?;
        for (peek, what) in [
            (
                input.peek(Token![unsafe]),
                "`unsafe`: its body runs when it is resumed, use `unsafe {}` blocks inside",
            ),
            (input.peek(Token![extern]), "`extern`"),
        ] {
            if peek {
                return Err(input.error(format!("a generator function cannot be {what}")));
            }
        }
        input.parse::<Token![fn]>()?;
        let ident: Ident = input.parse()?;
        let mut generics: Generics = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let inputs = content.parse_terminated(FnArg::parse, Token![,])?;
        if !input.peek(Token![->]) {
            return Err(input.error(
                "a generator function declares what it yields: `fn name(..) -> yield Y { .. }`, \
                 optionally followed by `, send S, throw E, return R`",
            ));
        }
        input.parse::<Token![->]>()?;
        let types = Types::parse_clauses(input)?;
        generics.where_clause = input.parse()?;
        let body: Block = input.parse()?;
        Ok(GenFn {
            attrs,
            vis,
            asyncness,
            ident,
            generics,
            inputs,
            types,
            body,
        })
    }
}

/// Input: `[async] fn name<G>(args) -> yield Y, send S, throw E, return R where .. { body }`,
/// any number of them (free functions, or methods inside an `impl` block).
/// Output: for each, `fn name<G>(args) -> $crate::Gen<Y, S, E, impl Future<Output = R>> where
/// .. { $crate::coroutine::<Y, S, E, R, _>(async move |mut __cogen_co| body) }`, where `$crate`
/// is `krate`, the path of `cogen` that the front door passed in. An `async fn` returns
/// `$crate::AsyncGen<..>` from `$crate::async_coroutine::<..>(..)` instead (an async generator:
/// its body may `.await`).
pub(crate) fn expand_gen_fn(krate: &TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let input = mark_yield_from(input);
    let fns = syn::parse::Parser::parse2(
        |input: ParseStream<'_>| {
            let mut fns = Vec::new();
            while !input.is_empty() {
                fns.push(input.parse::<GenFn>()?);
            }
            Ok(fns)
        },
        input,
    )?;
    let mut out = TokenStream::new();
    let mut errors: Option<syn::Error> = None;
    for f in fns {
        let GenFn {
            attrs,
            vis,
            asyncness,
            ident,
            generics,
            inputs,
            types,
            body,
        } = f;
        let [y, s, e, r] = types.generic_args(false);
        let where_clause = &generics.where_clause;
        let (handle, constructor) = match asyncness {
            Some(a) => (Ident::new("AsyncGen", a.span), constructor(asyncness)),
            None => (Ident::new("Gen", Span::call_site()), constructor(None)),
        };
        let call = match coroutine_call(
            krate,
            body,
            &types,
            Some(Default::default()),
            asyncness,
            false,
        ) {
            Ok(call) => call,
            Err(error) => {
                match &mut errors {
                    Some(errors) => errors.combine(error),
                    None => errors = Some(error),
                }
                // Keep the function, so that its callers do not report errors of their own.
                quote!(#krate::#constructor::<#y, #s, #e, #r, _>(
                    async move |_| ::core::unreachable!()
                ))
            }
        };
        out.extend(quote! {
            #(#attrs)*
            #vis fn #ident #generics (#inputs)
                -> #krate::#handle<#y, #s, #e, impl ::core::future::Future<Output = #r>>
            #where_clause
            {
                #call
            }
        });
    }
    if let Some(errors) = errors {
        out.extend(errors.to_compile_error());
    }
    Ok(out)
}

/// The input of `gen_block!`: `[async] [move] [-> yield Y, send S, throw E, return R] { body }`,
/// or just the body's statements.
struct GenBlock {
    asyncness: Option<Token![async]>,
    capture: Option<Token![move]>,
    types: Types,
    body: Block,
}

impl Parse for GenBlock {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // A single `{ .. }` is a body either way; a header starts with `move` or `->`, or with
        // `async` followed by one of those or by the body. (As statements, `async { .. }` or
        // `async move { .. }` alone would be an async block whose future the generator
        // returns: a `yield` in it is an error, so nothing is lost by reading it as a header.)
        let fork = input.fork();
        fork.parse::<Option<Token![async]>>()?;
        let is_header = fork.peek(Token![move]) || fork.peek(Token![->]) || {
            fork.peek(syn::token::Brace)
                && fork.parse::<proc_macro2::TokenTree>().is_ok()
                && fork.is_empty()
        };
        if !is_header {
            let stmts = input.call(Block::parse_within)?;
            return Ok(GenBlock {
                asyncness: None,
                capture: None,
                types: Types::default(),
                body: Block {
                    brace_token: Default::default(),
                    stmts,
                },
            });
        }
        let asyncness = input.parse()?;
        let capture = input.parse()?;
        let types = if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            Types::parse_clauses(input)?
        } else {
            Types::default()
        };
        let body = input.parse()?;
        Ok(GenBlock {
            asyncness,
            capture,
            types,
            body,
        })
    }
}

/// Input: `[async] [move] [-> yield Y, send S, throw E, return R] { body }` or bare statements.
/// Output: `$crate::coroutine::<Y, S, E, R, _>(async [move] |mut __cogen_co| { body })`
/// (`$crate::async_coroutine` with `async`), with `Y` and `R` inferred unless declared, and
/// `$crate` the path `krate` passed by the front door.
pub(crate) fn expand_gen_block(
    krate: &TokenStream,
    input: TokenStream,
) -> syn::Result<TokenStream> {
    let GenBlock {
        asyncness,
        capture,
        types,
        body,
    } = syn::parse2(mark_yield_from(input))?;
    coroutine_call(krate, body, &types, capture, asyncness, true)
}
