//! Not public API: what the expansions of `cogen-macros` call. Everything here may change in
//! any release.
//!
//! The macros cannot see types, so one spelling, `yield from x`, has to serve every kind of
//! thing a body can delegate to: a generator (every [`Delegate`]: PEP 380's full protocol, and
//! the delegation evaluates to its return value), a [`Stream`] (in an async body: items only,
//! waited for on the executor, evaluates to `()`) and a plain iterable (any `IntoIterator`:
//! items only, evaluates to `()`). The expansion picks between them with method resolution
//! ("autoref specialization"), one question per kind, and keeps the first "yes":
//!
//! ```text
//! match x { __cogen_sub =>
//!     (&__cogen_sub).__cogen_gen()                       // GenTag or NoDelegateTag
//!         .__cogen_or((&__cogen_sub).__cogen_stream())   // async bodies: then a stream
//!         .__cogen_or((&__cogen_sub).__cogen_iter())     // then an iterable
//!         .__cogen_delegate(&mut co, __cogen_sub) }
//! ```
//!
//! Each question is one yes/no pair of traits. On the receiver `&X`, rustc first looks for a
//! method whose `self` is `&X` exactly: the "yes" trait ([`GenKind`], [`StreamKind`],
//! [`IterKind`]: implemented for every `X` with the property, taking `&self`) has one. Only if
//! that does not apply does it go on to `&mut &X`, where the "no" trait (implemented for every
//! `&X`, taking `&mut self`) answers [`NoDelegateTag`]. Asking one question at a time keeps
//! every answer at one of two fixed steps of method resolution, however many kinds there
//! are; the answers are concrete tag types, and [`__cogen_or`](GenTag::__cogen_or) keeps the
//! first that is not [`NoDelegateTag`]. So a generator handle that is also an `Iterator` (or
//! an async generator, which is also a `Stream`) delegates as a generator, and throws, closes
//! and its return value go through. The tag that comes out then does the typed work, and
//! reports a value that is none of them with the message of [`Delegable`].
//!
//! A sync body asks about iterables before streams, and a stream there gets [`SyncStreamTag`],
//! whose method reports "a sync generator cannot `yield from` a stream": a sync resume has no
//! executor to wait on (the runtime would panic at the first item that is not ready).

use core::convert::Infallible;

use futures_core::Stream;

use crate::co::{Co, YieldFrom};
use crate::delegate::{Delegate, IterDelegate, StreamDelegate};

pub use crate::async_gen::async_coroutine;
pub use crate::generator::coroutine;

/// The proc macros behind the front doors of `macros.rs`: each takes `($crate)` first.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub use cogen_macros::{catch_impl, gen_block_impl, gen_fn_impl, iter_impl, raise_impl};

/// The tag of a value that is a [`Delegate`] (every generator is one): delegate with
/// [`Co::yield_from`].
#[derive(Debug, Clone, Copy)]
pub struct GenTag;

/// The tag of a [`Stream`] that is not a [`Delegate`], in an async body: delegate with
/// [`Co::yield_from_stream`].
#[derive(Debug, Clone, Copy)]
pub struct StreamTag;

/// The tag of a [`Stream`] that is neither a [`Delegate`] nor an iterable, in a sync body:
/// its method's bound fails with the message of [`SyncStreamable`].
#[derive(Debug, Clone, Copy)]
pub struct SyncStreamTag;

/// The tag of an iterable that is not a [`Delegate`]: delegate with [`Co::yield_from_iter`].
#[derive(Debug, Clone, Copy)]
pub struct IterTag;

/// The tag of a value that `yield from` cannot take (the answer "no" to a question): its
/// method's bound fails with the message of [`Delegable`].
#[derive(Debug, Clone, Copy)]
pub struct NoDelegateTag;

/// "Is it a generator?" Yes: found on `&X` (first step of method resolution).
pub trait GenKind {
    /// Tags the value as a generator.
    #[inline(always)]
    fn __cogen_gen(&self) -> GenTag {
        GenTag
    }
}

impl<G: Delegate> GenKind for G {}

/// "Is it a generator?" No: found only through `&mut` autoref, after [`GenKind`].
pub trait NotGenKind {
    /// The value is not a generator.
    #[inline(always)]
    fn __cogen_gen(&mut self) -> NoDelegateTag {
        NoDelegateTag
    }
}

impl<T: ?Sized> NotGenKind for &T {}

/// "Is it a stream?" Yes.
pub trait StreamKind {
    /// Tags the value as a stream.
    #[inline(always)]
    fn __cogen_stream(&self) -> StreamTag {
        StreamTag
    }
}

impl<St: Stream> StreamKind for St {}

/// "Is it a stream?" No: found only through `&mut` autoref, after [`StreamKind`].
pub trait NotStreamKind {
    /// The value is not a stream.
    #[inline(always)]
    fn __cogen_stream(&mut self) -> NoDelegateTag {
        NoDelegateTag
    }
}

impl<T: ?Sized> NotStreamKind for &T {}

/// "Is it an iterable?" Yes.
pub trait IterKind {
    /// Tags the value as an iterable.
    #[inline(always)]
    fn __cogen_iter(&self) -> IterTag {
        IterTag
    }
}

impl<I: IntoIterator> IterKind for I {}

/// "Is it an iterable?" No: found only through `&mut` autoref, after [`IterKind`].
pub trait NotIterKind {
    /// The value is not an iterable.
    #[inline(always)]
    fn __cogen_iter(&mut self) -> NoDelegateTag {
        NoDelegateTag
    }
}

impl<T: ?Sized> NotIterKind for &T {}

/// Keeps the first answer that is not "no": `GenTag`, `StreamTag`, `SyncStreamTag` and
/// `IterTag` keep themselves, `NoDelegateTag` gives way to the next answer.
macro_rules! keep_first {
    ($($tag:ident)*) => {$(
        impl $tag {
            /// This answer is "yes": keep it.
            #[inline(always)]
            pub fn __cogen_or<T>(self, _next: T) -> Self {
                self
            }
        }
    )*};
}

keep_first!(GenTag StreamTag SyncStreamTag IterTag);

impl NoDelegateTag {
    /// This answer is "no": take the next one.
    #[inline(always)]
    pub fn __cogen_or<T>(self, next: T) -> T {
        next
    }

    /// A sync body asked whether the value is a stream: still no.
    #[inline(always)]
    pub fn __cogen_sync(self) -> Self {
        self
    }
}

impl StreamTag {
    /// A sync body asked whether the value is a stream: yes, and it cannot wait for one.
    #[inline(always)]
    pub fn __cogen_sync(self) -> SyncStreamTag {
        SyncStreamTag
    }
}

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

impl StreamTag {
    /// `yield from stream`, in an async body.
    #[inline(always)]
    pub fn __cogen_delegate<'c, 'a, St, Y, E>(
        self,
        co: &'c mut Co<'a, Y, (), E>,
        stream: St,
    ) -> YieldFrom<'c, StreamDelegate<St, E>, Y, (), E>
    where
        St: Stream<Item = Y>,
    {
        co.yield_from_stream(stream)
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

impl SyncStreamTag {
    /// Never compiles: `St` does not implement [`SyncStreamable`].
    pub fn __cogen_delegate<St, T, Y, S, E>(
        self,
        _co: &mut Co<'_, Y, S, E>,
        _stream: St,
    ) -> core::future::Pending<T>
    where
        St: SyncStreamable,
    {
        core::future::pending()
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
/// generator nor an iterable (nor, in an async body, a stream), in a Python user's words.
#[diagnostic::on_unimplemented(
    message = "`yield from` needs a generator or an iterable, and `{Self}` is neither",
    label = "cannot `yield from` this value",
    note = "Python's `yield from x` needs an iterable `x`; in cogen that is a generator (a `Gen`, a `Pinned` or `Boxed` handle, a `Delegate`) or any `IntoIterator<Item = {Y}>`, and in an async generator also any `Stream<Item = {Y}>`"
)]
pub trait Delegable<Y> {}

/// Implemented by nothing: the bound that reports a `yield from` of a stream in a sync body.
#[diagnostic::on_unimplemented(
    message = "a sync generator cannot `yield from` a stream: `{Self}` is a `Stream`, and a sync generator has no executor to wait for its items",
    label = "a `Stream` in a sync generator",
    note = "make the generator async: `gen_fn! {{ async fn name(..) -> yield Y {{ .. }} }}` or `gen_block!(async move {{ .. }})`, and consume it as a `Stream`"
)]
pub trait SyncStreamable {}

/// The default throw type of a generator that declares none.
pub type NoThrow = Infallible;
