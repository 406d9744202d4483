//! Not public API: what the expansions of `cogen-macros` call. Everything here may change in
//! any release.
//!
//! The macros cannot see types, so one spelling, `yield from x`, has to serve both kinds of
//! things Python can delegate to: a generator (every [`Delegate`]: PEP 380's full protocol, and
//! the delegation evaluates to its return value) and a plain iterable (any `IntoIterator`:
//! items only, evaluates to `()`). The expansion picks between them with method resolution
//! ("autoref specialization"):
//!
//! ```text
//! match x { __cogen_sub => (&__cogen_sub).__cogen_kind().__cogen_delegate(&mut co, __cogen_sub) }
//! ```
//!
//! On the receiver `&X`, rustc first looks for a method whose `self` is `&X` exactly:
//! [`GenKind`] (implemented for every `X: Delegate`, taking `&self`) has one. Only if that does
//! not apply does it take a further reference and find [`IterKind`] (implemented for every `&X`,
//! taking `&self`, so `&&X`). A generator handle that is also an `Iterator` therefore delegates as
//! a generator, so throws, closes and its return value go through. The tag that comes back
//! then does the typed work, and reports a value that is neither with the message of
//! [`Delegable`].

use core::convert::Infallible;

use crate::co::{Co, YieldFrom};
use crate::delegate::{Delegate, IterDelegate};

pub use crate::generator::coroutine;

/// The proc macros behind the front doors of `macros.rs`: each takes `($crate)` first.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub use cogen_macros::{catch_impl, gen_block_impl, gen_fn_impl, iter_impl, raise_impl};

/// The tag of a value that is a [`Delegate`] (every generator is one): delegate with
/// [`Co::yield_from`].
#[derive(Debug, Clone, Copy)]
pub struct GenTag;

/// The tag of anything that is not a [`Delegate`]: delegate as an iterable, with
/// [`Co::yield_from_iter`].
#[derive(Debug, Clone, Copy)]
pub struct IterTag;

/// First choice of `yield from`: the value is a generator.
pub trait GenKind {
    /// Tags the value as a generator.
    #[inline(always)]
    fn __cogen_kind(&self) -> GenTag {
        GenTag
    }
}

impl<G: Delegate> GenKind for G {}

/// Second choice of `yield from`: the value is an iterable.
pub trait IterKind {
    /// Tags the value as an iterable.
    #[inline(always)]
    fn __cogen_kind(&self) -> IterTag {
        IterTag
    }
}

impl<I: IntoIterator> IterKind for &I {}

/// Last choice of `yield from`, found only through `&mut` autoref (after both others): the
/// value can be neither delegated to nor iterated, and [`NoDelegateTag`] reports it.
pub trait NoDelegateKind {
    /// Tags the value as unusable.
    #[inline(always)]
    fn __cogen_kind(&mut self) -> NoDelegateTag {
        NoDelegateTag
    }
}

impl<T: ?Sized> NoDelegateKind for &T {}

/// The tag of a value that `yield from` cannot take: its method's bound fails with the message
/// of [`Delegable`].
#[derive(Debug, Clone, Copy)]
pub struct NoDelegateTag;

impl GenTag {
    /// `yield from generator`.
    #[inline(always)]
    pub fn __cogen_delegate<'c, 'a, G, Y, S, E>(
        self,
        co: &'c mut Co<'a, Y, S, E>,
        sub: G,
    ) -> YieldFrom<'c, G, Y, S, E>
    where
        G: Delegate<Yield = Y, Resume = S, Error = E>,
    {
        co.yield_from(sub)
    }
}

impl IterTag {
    /// `yield from iterable`.
    #[inline(always)]
    pub fn __cogen_delegate<'c, 'a, I, Y, E>(
        self,
        co: &'c mut Co<'a, Y, (), E>,
        iterable: I,
    ) -> YieldFrom<'c, IterDelegate<I::IntoIter, E>, Y, (), E>
    where
        I: IntoIterator<Item = Y>,
    {
        co.yield_from_iter(iterable)
    }
}

impl NoDelegateTag {
    /// Never compiles: `V` does not implement [`Delegable`].
    pub fn __cogen_delegate<V, T, Y, S, E>(
        self,
        _co: &mut Co<'_, Y, S, E>,
        _value: V,
    ) -> core::future::Pending<T>
    where
        V: Delegable<Y>,
    {
        core::future::pending()
    }
}

/// Implemented by nothing: the bound that reports a `yield from` of a value that is neither a
/// generator nor an iterable, in a Python user's words.
#[diagnostic::on_unimplemented(
    message = "`yield from` needs a generator or an iterable, and `{Self}` is neither",
    label = "cannot `yield from` this value",
    note = "Python's `yield from x` needs an iterable `x`; in cogen that is a generator (a `Gen`, a `Pinned` or `Boxed` handle, a `Delegate`) or any `IntoIterator<Item = {Y}>`"
)]
pub trait Delegable<Y> {}

/// The default throw type of a generator that declares none.
pub type NoThrow = Infallible;
