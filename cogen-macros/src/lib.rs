//! Python syntax for [cogen](https://docs.rs/cogen) generators: the proc macros behind
//! `cogen::gen_fn!`, `cogen::gen_block!`, `cogen::iter!`, `cogen::catch!` and `cogen::raise!`.
//! Use them through `cogen` (its default feature `macros`); the macros and their docs are
//! there. This crate only rewrites syntax: every meaning lives in `cogen`.
//!
//! # The crate path: `$crate` from a `macro_rules!` front door
//!
//! A proc macro cannot know under which name its user reaches `cogen`: the dependency may be
//! renamed (`my_gen = { package = "cogen", .. }`) or the macros re-exported by another crate.
//! So, as in async-stream, the public macros are `macro_rules!` front doors in `cogen` that
//! pass their own `$crate` first, in parentheses:
//!
//! ```text
//! macro_rules! gen_fn {
//!     ($($tt:tt)*) => { $crate::__private::gen_fn_impl! { ($crate) $($tt)* } };
//! }
//! ```
//!
//! Each `*_impl` macro here takes that leading `(path)` off its input (`split_crate_path`)
//! and names every item of `cogen` through it (`$crate::coroutine`, `$crate::Gen`,
//! `$crate::__private::GenKind`); items of the standard library are named by absolute
//! `::core::` paths. Identifiers the expansions introduce start with `__cogen_`.
//!
//! # Why function-like macros, and not `#[generator] fn`
//!
//! rustc parses the item under an attribute macro before the macro runs, and on stable it
//! rejects every `yield` it parses ("yield syntax is experimental"), even one the macro would
//! have rewritten away. A function-like macro's input is only tokens, so `yield` and Python's
//! `yield from` (two words Rust would not parse) can be written as they are.
//!
//! # How `yield` is rewritten
//!
//! The body becomes the body of an async closure given to `$crate::coroutine` (or to
//! `$crate::async_coroutine` for `async fn` / `gen_block!(async ..)`, an async generator),
//! whose argument is the generator's handle `__cogen_co` (a hygienic name: user code cannot
//! refer to it):
//!
//! | in the body            | becomes                                            |
//! |------------------------|----------------------------------------------------|
//! | `yield v`              | `__cogen_co.yield_(v).await`                       |
//! | `yield from g`         | `__cogen_co.yield_from(g).await` for a generator, in an async body `__cogen_co.yield_from_stream(g).await` for any other `Stream`, `__cogen_co.yield_from_iter(g).await` for any other `IntoIterator` (chosen by method resolution, see `cogen::__private`, i.e. `cogen/src/private.rs`; a stream in a sync body is an error) |
//! | `catch!(yield v)`      | `__cogen_co.yield_(v).catch().await`               |
//! | `raise!(interrupt)`    | `__cogen_co.raise(interrupt).await`                |
//!
//! A `yield` inside a closure, an `async` block or a nested `fn` in the body is an error at
//! its span: it would run outside the generator's own resumes. A `yield` inside another macro's
//! invocation is an error too (the macro's tokens are not Rust syntax to us), except inside a
//! nested `gen_block!`, whose yields are its own. An `.await` in a sync body is an error (a sync
//! generator has no executor to wait on); in an async body it stays as written. The expansion
//! contains no `unsafe`.

mod body;
mod generator;
mod genexp;
// Reads committed files: not under Miri.
#[cfg(all(test, not(miri)))]
mod snapshot;

use proc_macro::TokenStream;
use proc_macro2::{Delimiter, Span, TokenTree};

/// Splits the input of a `*_impl` macro into the crate path the front door passed first, in
/// parentheses, and the user's tokens.
///
/// Input: `($crate) user tokens..` (from `cogen`'s `macro_rules!` front doors).
/// Output: (`$crate`, `user tokens..`).
fn split_crate_path(
    input: proc_macro2::TokenStream,
) -> syn::Result<(proc_macro2::TokenStream, proc_macro2::TokenStream)> {
    let mut tokens = input.into_iter();
    match tokens.next() {
        Some(TokenTree::Group(path)) if path.delimiter() == Delimiter::Parenthesis => {
            Ok((path.stream(), tokens.collect()))
        }
        _ => Err(syn::Error::new(
            Span::call_site(),
            "cogen-macros is the implementation of cogen's macros: use them through `cogen` \
             (`cogen::gen_fn!`, `cogen::gen_block!`, `cogen::iter!`), which passes them its path",
        )),
    }
}

/// Runs `expand` on the user's tokens with the crate path, and turns an error into
/// `compile_error!` at its span.
fn run(
    input: TokenStream,
    expand: impl FnOnce(
        &proc_macro2::TokenStream,
        proc_macro2::TokenStream,
    ) -> syn::Result<proc_macro2::TokenStream>,
) -> TokenStream {
    split_crate_path(input.into())
        .and_then(|(krate, tokens)| expand(&krate, tokens))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The implementation of `cogen::gen_fn!` (generator functions and methods; documented
/// there). Input: `(cogen's path) [async] fn ..`.
#[proc_macro]
pub fn gen_fn_impl(input: TokenStream) -> TokenStream {
    run(input, generator::expand_gen_fn)
}

/// The implementation of `cogen::gen_block!` (a generator written in place; documented
/// there). Input: `(cogen's path) [async] [move] [-> yield Y, ..] { body }` or `(cogen's path)
/// body`.
#[proc_macro]
pub fn gen_block_impl(input: TokenStream) -> TokenStream {
    run(input, generator::expand_gen_block)
}

/// The implementation of `cogen::iter!` (generator expressions; documented there). Input:
/// `(cogen's path) ELEM for PAT in ITER ..`; the expansion names only `::core` items.
#[proc_macro]
pub fn iter_impl(input: TokenStream) -> TokenStream {
    run(input, |_krate, tokens| genexp::expand_iter(tokens))
}

/// The implementation of `cogen::catch!` outside a generator body: an error. (Inside a body,
/// the enclosing `gen_fn!` / `gen_block!` rewrites `catch!(..)` before it would expand.)
#[proc_macro]
pub fn catch_impl(input: TokenStream) -> TokenStream {
    run(input, |_krate, tokens| Err(outside_body("catch", tokens)))
}

/// The implementation of `cogen::raise!` outside a generator body: an error. (Inside a body,
/// the enclosing `gen_fn!` / `gen_block!` rewrites `raise!(..)` before it would expand.)
#[proc_macro]
pub fn raise_impl(input: TokenStream) -> TokenStream {
    run(input, |_krate, tokens| Err(outside_body("raise", tokens)))
}

/// The error of a `catch!` / `raise!` that no generator body rewrote, at the span of its
/// argument (the user's tokens).
fn outside_body(name: &str, input: proc_macro2::TokenStream) -> syn::Error {
    let span = syn::spanned::Spanned::span(&input);
    syn::Error::new(
        span,
        format!(
            "`{name}!` outside a generator body: it only works inside `cogen::gen_fn!` or \
             `cogen::gen_block!`"
        ),
    )
}
