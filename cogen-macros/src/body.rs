//! The body of a generator: `yield`, `yield from`, `catch!` and `raise!` rewritten into calls on
//! the body's `Co` handle.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprMacro, Item, Macro, Stmt, StmtMacro};

/// The marker attribute that [`mark_yield_from`] puts on a `yield` that was a `yield from`.
const FROM_MARKER: &str = "__cogen_from";

/// The name of the body's `Co` handle, hygienic (`mixed_site`): user code cannot name it.
pub(crate) fn co_ident(span: Span) -> Ident {
    Ident::new("__cogen_co", Span::mixed_site().located_at(span))
}

/// Makes `yield from x` parseable.
///
/// Input: `yield from sub` (anywhere, also inside nested groups and macro invocations).
/// Output: `#[__cogen_from] yield sub`: an ordinary `yield` expression (it binds as loosely as
/// Python's `yield from`) marked with an attribute that [`Rewrite`] turns into a delegation.
///
/// `from` is an ordinary identifier in Rust, so `yield from` followed by something that cannot
/// start an expression (`;`, `,`, `)`, `.`, `?`, an operator, or the end) is left alone: it
/// yields a variable named `from`.
pub(crate) fn mark_yield_from(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(y) if y == "yield" => {
                let is_from = matches!(tokens.get(i + 1), Some(TokenTree::Ident(f)) if f == "from");
                if is_from && tokens.get(i + 2).is_some_and(begins_operand) {
                    let from_span = tokens[i + 1].span();
                    let mut hash = Punct::new('#', Spacing::Alone);
                    hash.set_span(y.span());
                    out.push(TokenTree::Punct(hash));
                    let marker = TokenTree::Ident(Ident::new(FROM_MARKER, from_span));
                    let mut group = Group::new(Delimiter::Bracket, marker.into());
                    group.set_span(from_span);
                    out.push(TokenTree::Group(group));
                    out.push(tokens[i].clone());
                    i += 2;
                    continue;
                }
                out.push(tokens[i].clone());
            }
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), mark_yield_from(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// Whether the token after `yield from` begins the delegated expression.
fn begins_operand(token: &TokenTree) -> bool {
    match token {
        TokenTree::Punct(p) => {
            matches!(p.as_char(), '&' | '*' | '-' | '!' | '|' | '<' | '\'' | ':')
        }
        TokenTree::Ident(i) => i != "as",
        TokenTree::Group(_) | TokenTree::Literal(_) => true,
    }
}

/// Where a `yield` is, seen from the generator body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Body,
    Closure,
    Async,
    Item,
}

/// Rewrites the `yield`s of one generator body (not those of nested closures, `async` blocks,
/// items or generator macros, which are errors or belong to another generator).
pub(crate) struct Rewrite<'k> {
    /// The path of the `cogen` crate, as the front door passed it (`$crate`).
    krate: &'k TokenStream,
    /// Whether the body is an async generator's: `.await` is allowed, and `yield from` takes
    /// streams.
    is_async: bool,
    scope: Scope,
    errors: Option<syn::Error>,
}

impl<'k> Rewrite<'k> {
    /// Rewrites `block` (an async generator's body if `is_async`) in place, naming cogen's
    /// items through `krate`; returns the errors found, combined.
    pub(crate) fn block(
        block: &mut Block,
        krate: &'k TokenStream,
        is_async: bool,
    ) -> syn::Result<()> {
        let mut this = Rewrite {
            krate,
            is_async,
            scope: Scope::Body,
            errors: None,
        };
        this.visit_block_mut(block);
        this.errors.map_or(Ok(()), Err)
    }

    fn error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    fn in_scope(&mut self, scope: Scope, f: impl FnOnce(&mut Self)) {
        let outer = core::mem::replace(&mut self.scope, scope);
        f(self);
        self.scope = outer;
    }

    /// Input: `yield v` / `#[__cogen_from] yield sub` (operand already rewritten), and the
    /// `await` suffix (`.await`, or `.catch().await` for `catch!`).
    /// Output: `__cogen_co.yield_(v).await` / the delegation, awaited inside a `match` that
    /// keeps the operand's temporaries alive until the delegation ends (as in Python).
    fn yield_await(
        &mut self,
        expr: &mut syn::ExprYield,
        suffix: TokenStream,
    ) -> Option<TokenStream> {
        let span = expr.yield_token.span;
        let is_from = take_from_marker(&mut expr.attrs);
        if let Some(attr) = expr.attrs.first() {
            self.error(syn::Error::new(
                attr.span(),
                "attributes on a `yield` are not supported",
            ));
        }
        if self.scope != Scope::Body {
            let what = if is_from { "`yield from`" } else { "`yield`" };
            let (place, advice) = match self.scope {
                Scope::Closure => (
                    "a closure",
                    "a closure is not part of the generator body (Python: a `lambda` that \
                     contains `yield` is a generator of its own); use a `for` loop in the body, \
                     or make the closure a generator with `cogen::gen_block!`",
                ),
                Scope::Async => (
                    "an `async` block",
                    "an `async` block is not part of the generator body; yield from the body \
                     itself",
                ),
                _ => (
                    "a nested item",
                    "a `fn` inside the body is not part of the generator; make it a generator \
                     with `cogen::gen_fn!` and `yield from` it",
                ),
            };
            self.error(syn::Error::new(
                span,
                format!("{what} inside {place} within a generator body: {advice}"),
            ));
            return None;
        }
        let co = co_ident(span);
        let operand = expr.expr.take();
        if is_from {
            let Some(sub) = operand else {
                self.error(syn::Error::new(
                    span,
                    "`yield from` needs a generator or an iterable after it",
                ));
                return None;
            };
            // The tag's method call carries the operand's span, so that "cannot `yield from`
            // this value" points at the user's expression.
            // All its tokens share one hygiene context, so that rustc can join their spans.
            let sub_span = Span::mixed_site().located_at(sub.span());
            let local = Ident::new("__cogen_sub", sub_span);
            let co = Ident::new("__cogen_co", sub_span);
            // Generator first; then, in an async body, a stream before an iterable; in a sync
            // body, an iterable before a stream, which is an error there (see
            // `cogen::__private`).
            let kind = if self.is_async {
                quote_spanned! {sub_span=>
                    (&#local).__cogen_gen()
                        .__cogen_or((&#local).__cogen_stream())
                        .__cogen_or((&#local).__cogen_iter())
                }
            } else {
                quote_spanned! {sub_span=>
                    (&#local).__cogen_gen()
                        .__cogen_or((&#local).__cogen_iter())
                        .__cogen_or((&#local).__cogen_stream().__cogen_sync())
                }
            };
            let delegate = quote_spanned! {sub_span=>
                #kind.__cogen_delegate(&mut #co, #local)#suffix
            };
            let krate = self.krate;
            Some(quote_spanned! {span=>
                match #sub {
                    #local => {
                        #[allow(unused_imports)]
                        use #krate::__private::{
                            GenKind as _, IterKind as _, NotGenKind as _, NotIterKind as _,
                            NotStreamKind as _, StreamKind as _,
                        };
                        #delegate
                    }
                }
            })
        } else {
            let value = match operand {
                // `yield (v)`: the parentheses would be "unnecessary" around the argument.
                Some(value) => match *value {
                    Expr::Paren(paren) => paren.expr.to_token_stream(),
                    value => value.to_token_stream(),
                },
                None => quote_spanned!(span=> ()),
            };
            Some(quote_spanned!(span=> #co.yield_(#value)#suffix))
        }
    }

    /// Input: `catch!(yield v)` / `catch!(yield from sub)` / `raise!(interrupt)`.
    /// Output: the rewritten expression, or `None` if `mac` is not one of ours.
    fn our_macro(&mut self, mac: &Macro) -> Option<Expr> {
        let name = mac.path.segments.last()?.ident.to_string();
        let span = mac.path.span();
        match name.as_str() {
            "catch" => {
                let mut inner: Expr = match mac.parse_body() {
                    Ok(inner) => inner,
                    Err(e) => {
                        self.error(e);
                        return Some(Expr::Verbatim(TokenStream::new()));
                    }
                };
                let Expr::Yield(yield_expr) = &mut inner else {
                    self.error(syn::Error::new(
                        inner.span(),
                        "`catch!` wraps a `yield` or `yield from` (Python: `try: x = yield v` / \
                         `except ...:`), as in `match catch!(yield v) { ... }`",
                    ));
                    return Some(Expr::Verbatim(TokenStream::new()));
                };
                if let Some(operand) = &mut yield_expr.expr {
                    self.visit_expr_mut(operand);
                }
                let suffix = quote_spanned!(span=> .catch().await);
                let awaited = self.yield_await(yield_expr, suffix).unwrap_or_default();
                Some(Expr::Verbatim(awaited))
            }
            "raise" => {
                let mut interrupt: Expr = match mac.parse_body() {
                    Ok(inner) => inner,
                    Err(e) => {
                        self.error(e);
                        return Some(Expr::Verbatim(TokenStream::new()));
                    }
                };
                self.visit_expr_mut(&mut interrupt);
                if self.scope != Scope::Body {
                    self.error(syn::Error::new(
                        span,
                        "`raise!` inside a closure, `async` block or nested item within a \
                         generator body: it can only raise out of the body itself",
                    ));
                    return Some(Expr::Verbatim(TokenStream::new()));
                }
                let co = co_ident(span);
                Some(Expr::Verbatim(
                    quote_spanned!(span=> #co.raise(#interrupt).await),
                ))
            }
            // Nested generators and generator expressions rewrite their own tokens.
            "gen_block" | "gen_fn" | "iter" => None,
            _ => {
                if let Some(span) = find_yield(mac.tokens.clone()) {
                    self.error(syn::Error::new(
                        span,
                        format!(
                            "`yield` inside a macro invocation (`{name}!`) is not supported: \
                             cogen cannot see into other macros; bind the value first, as in \
                             `let v = yield x; {name}!(.., v)`"
                        ),
                    ));
                }
                None
            }
        }
    }
}

fn take_from_marker(attrs: &mut Vec<syn::Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| !attr.path().is_ident(FROM_MARKER));
    attrs.len() != before
}

/// The span of the first `yield` keyword in `tokens`, nested groups included.
pub(crate) fn find_yield(tokens: TokenStream) -> Option<Span> {
    tokens.into_iter().find_map(|token| match token {
        TokenTree::Ident(i) if i == "yield" => Some(i.span()),
        TokenTree::Group(g) => find_yield(g.stream()),
        _ => None,
    })
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(yield_expr) => {
                if let Some(operand) = &mut yield_expr.expr {
                    self.visit_expr_mut(operand);
                }
                let span = yield_expr.yield_token.span;
                if let Some(awaited) = self.yield_await(yield_expr, quote_spanned!(span=> .await)) {
                    *expr = Expr::Verbatim(awaited);
                }
            }
            // `(yield v)`, as Python writes it. Once rewritten, the parentheses may be
            // unnecessary (`while let Some(x) = (__cogen_co.yield_(v).await)`), and rustc's
            // `unused_parens` would flag the user's code and suggest a wrong fix. The lint
            // skips parentheses that come from a macro, so we give them the macro's span, at
            // the same place.
            Expr::Paren(paren) if matches!(*paren.expr, Expr::Yield(_)) => {
                let span = paren.paren_token.span.join();
                paren.paren_token = syn::token::Paren(Span::mixed_site().located_at(span));
                self.visit_expr_mut(&mut paren.expr);
            }
            Expr::Closure(closure) => {
                let scope = if closure.asyncness.is_some() {
                    Scope::Async
                } else {
                    Scope::Closure
                };
                self.in_scope(scope, |this| {
                    visit_mut::visit_expr_closure_mut(this, closure)
                });
            }
            Expr::Async(block) => {
                self.in_scope(Scope::Async, |this| {
                    visit_mut::visit_expr_async_mut(this, block);
                });
            }
            Expr::Await(awaited) if self.scope == Scope::Body && !self.is_async => {
                self.error(syn::Error::new(
                    awaited.await_token.span,
                    "`.await` in a generator body: a cogen generator is resumed by its caller, \
                     not by an executor, so it cannot wait for a future; to await, make it an \
                     async generator: `gen_fn! { async fn .. }` or `gen_block!(async move { .. })`",
                ));
                visit_mut::visit_expr_await_mut(self, awaited);
            }
            Expr::Macro(ExprMacro { mac, .. }) => {
                if let Some(rewritten) = self.our_macro(mac) {
                    *expr = rewritten;
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(StmtMacro {
            attrs,
            mac,
            semi_token,
        }) = stmt
        {
            if let Some(rewritten) = self.our_macro(mac) {
                let attrs = core::mem::take(attrs);
                let semi = *semi_token;
                *stmt = Stmt::Expr(Expr::Verbatim(quote!(#(#attrs)* #rewritten)), semi);
            }
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_item_mut(&mut self, item: &mut Item) {
        self.in_scope(Scope::Item, |this| visit_mut::visit_item_mut(this, item));
    }
}
