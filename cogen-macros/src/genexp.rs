//! `iter!`: Python's generator expressions (PEP 289) as an iterator adapter chain.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

use crate::body::find_yield;

/// `for PAT in ITER` followed by the `if COND` clauses up to the next `for`.
struct ForClause {
    pat: Pat,
    iter: Expr,
    conds: Vec<Expr>,
}

/// `[move] ELEM for PAT in ITER (for PAT in ITER | if COND)*`.
struct GenExp {
    capture: Option<Token![move]>,
    elem: Expr,
    fors: Vec<ForClause>,
}

impl Parse for GenExp {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let capture = input.parse()?;
        let elem: Expr = input.parse()?;
        if !input.peek(Token![for]) {
            return Err(input.error(
                "expected `for`: a generator expression is `element for pattern in iterable`, \
                 with optional further `for .. in ..` and `if ..` clauses",
            ));
        }
        let mut fors: Vec<ForClause> = Vec::new();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(Token![for]) {
                input.parse::<Token![for]>()?;
                let pat = Pat::parse_multi_with_leading_vert(input)?;
                input.parse::<Token![in]>()?;
                let iter: Expr = input.parse()?;
                fors.push(ForClause {
                    pat,
                    iter,
                    conds: Vec::new(),
                });
            } else if lookahead.peek(Token![if]) {
                input.parse::<Token![if]>()?;
                let cond: Expr = input.parse()?;
                fors.last_mut()
                    .expect("the first clause is a `for`")
                    .conds
                    .push(cond);
            } else {
                return Err(lookahead.error());
            }
        }
        Ok(GenExp {
            capture,
            elem,
            fors,
        })
    }
}

/// Input: `ELEM for P1 in I1 if C1 for P2 in I2 if C2`.
/// Output:
///
/// ```text
/// IntoIterator::into_iter(I1)                                  // evaluated now (PEP 289)
///     .filter_map(|P1| if C1 { Some(
///         IntoIterator::into_iter(I2)                          // once per outer element
///             .filter_map(move |P2| if C2 { Some(ELEM) } else { None }))
///     } else { None })
///     .flatten()
/// ```
///
/// (`map` / `flat_map` where a level has no condition.) Conditions nest as `if`s, so an
/// `if let` binds names for the clauses after it. Closures below the outermost `for` are
/// `move`: they own the bindings of the outer clauses, which must be `Copy` (references are)
/// or cloned by the user.
pub(crate) fn expand_iter(input: TokenStream) -> syn::Result<TokenStream> {
    if let Some(span) = find_yield(input.clone()) {
        return Err(syn::Error::new(
            span,
            "`yield` inside a generator expression (Python: \"'yield' inside generator \
             expression\"); write a generator with `cogen::gen_block!` instead",
        ));
    }
    let GenExp {
        capture,
        elem,
        fors,
    } = syn::parse2(input)?;
    let first = &fors[0];
    let iter = &first.iter;
    let source = quote_spanned!(iter.span()=> ::core::iter::IntoIterator::into_iter(#iter));
    let capture = capture.map(|m| quote_spanned!(m.span=> move));
    Ok(level(source, &fors, &elem, capture))
}

/// The adapter for `fors[0]` applied to `source`, with the rest nested inside.
fn level(
    source: TokenStream,
    fors: &[ForClause],
    elem: &Expr,
    capture: Option<TokenStream>,
) -> TokenStream {
    let ForClause { pat, conds, .. } = &fors[0];
    let (inner, nested) = match fors.get(1) {
        Some(next) => {
            let iter = &next.iter;
            let source = quote_spanned!(iter.span()=> ::core::iter::IntoIterator::into_iter(#iter));
            (level(source, &fors[1..], elem, Some(quote!(move))), true)
        }
        None => (quote!(#elem), false),
    };
    if conds.is_empty() {
        let adapter = if nested {
            quote!(flat_map)
        } else {
            quote!(map)
        };
        return quote!(#source.#adapter(#capture |#pat| #inner));
    }
    let mut filtered = quote!(::core::option::Option::Some(#inner));
    for cond in conds.iter().rev() {
        filtered = quote! {
            if #cond { #filtered } else { ::core::option::Option::None }
        };
    }
    let flatten = nested.then(|| quote!(.flatten()));
    quote!(#source.filter_map(#capture |#pat| #filtered) #flatten)
}
