//! Python's generators, coroutines and `yield from`, on stable Rust.
//!
//! A generator is an async closure that yields through its [`Co`] handle; cogen resumes it
//! like Python resumes a generator frame:
//!
//! ```
//! use cogen::{Co, Step, generator};
//!
//! // Python: def generator(): yield "a"; yield "b"; yield "c"
//! let g = cogen::pin!(generator(async |mut co: Co<'_, &str>| {
//!     co.yield_("a").await;
//!     co.yield_("b").await;
//!     co.yield_("c").await;
//! }));
//! assert_eq!(g.resume(), Step::Yielded("a"));
//! assert_eq!(g.collect::<Vec<_>>(), ["b", "c"]);
//! ```
//!
//! * [`generator`] and [`coroutine`] make a [`Gen`]: the body's state machine, no allocation.
//!   [`generator_in`] and [`coroutine_in`] make one named by an [`IdentitySlot`] instead of a
//!   thread-local number: for generators made by the million in a hot loop.
//! * [`pin!`] pins it on the stack ([`Pinned`]); [`Generator::boxed`] puts it on the heap
//!   ([`Boxed`], [`BoxGen`]). Both handles are `Iterator`s with Python's methods:
//!   `resume` (`next`), `send`, `throw`, `close`, `state`, `is_delegating` (`gi_yieldfrom`).
//! * In the body, [`Co::yield_`] is `yield`, [`Co::yield_from`] and [`Co::yield_from_iter`]
//!   are `yield from`, [`Yield::catch`] is `try`/`except` around a `yield`, [`Co::raise`]
//!   re-raises.
//!
//! # How it works
//!
//! The body is an `async` block. A resume polls it once with a `Context` whose waker carries a
//! pointer to a stack slot, the airlock; `co.yield_(v)` stores `v` there and returns `Pending`,
//! and the resume hands `v` to its caller. The next resume puts the sent value in a fresh
//! airlock and polls again. `ARCHITECTURE.md` in the repository states the invariants that keep
//! this sound.
#![cfg_attr(not(feature = "std"), no_std)]
#![doc(test(attr(deny(rust_2018_idioms, warnings), allow(unused_variables))))]

#[cfg(feature = "alloc")]
extern crate alloc;

/// Implements [`Generator`] for a type that reaches another generator `G`: `$inner` maps
/// `&Self` to `Pin<&G>`, and `$inner_mut` maps `Pin<&mut Self>` to `Pin<&mut G>`. The handles
/// and `&mut G` use it.
macro_rules! forward_generator {
    (
        impl[$($generics:tt)*] for $ty:ty,
        |$this:ident| $inner:expr,
        |$this_mut:ident| $inner_mut:expr $(,)?
    ) => {
        impl<$($generics)*> $crate::Generator for $ty {
            type Yield = G::Yield;
            type Resume = G::Resume;
            type Return = G::Return;
            type Error = G::Error;

            #[inline(always)]
            fn try_resume(
                self: ::core::pin::Pin<&Self>,
                input: $crate::Input<G::Resume, G::Error>,
            ) -> Result<
                $crate::Step<G::Yield, G::Return, G::Error>,
                $crate::ResumeError<G::Resume, G::Error>,
            > {
                let $this = self.get_ref();
                $inner.try_resume(input)
            }

            #[inline(always)]
            fn poll_resume(
                self: ::core::pin::Pin<&Self>,
                input: Option<$crate::Input<G::Resume, G::Error>>,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<
                Result<
                    $crate::Step<G::Yield, G::Return, G::Error>,
                    $crate::ResumeError<G::Resume, G::Error>,
                >,
            > {
                let $this = self.get_ref();
                $inner.poll_resume(input, cx)
            }

            #[inline(always)]
            fn __resume_next(
                self: ::core::pin::Pin<&Self>,
                value: G::Resume,
            ) -> Result<
                $crate::Step<G::Yield, G::Return, G::Error>,
                $crate::ResumeError<G::Resume, G::Error>,
            > {
                let $this = self.get_ref();
                $inner.__resume_next(value)
            }

            #[inline(always)]
            fn __resume_next_mut(
                self: ::core::pin::Pin<&mut Self>,
                value: G::Resume,
            ) -> Result<
                $crate::Step<G::Yield, G::Return, G::Error>,
                $crate::ResumeError<G::Resume, G::Error>,
            > {
                let $this_mut = self;
                $inner_mut.__resume_next_mut(value)
            }

            #[inline(always)]
            fn __next_item(
                self: ::core::pin::Pin<&mut Self>,
                value: G::Resume,
            ) -> Option<G::Yield> {
                let $this_mut = self;
                $inner_mut.__next_item(value)
            }

            #[inline]
            fn state(&self) -> $crate::GenState {
                let $this = self;
                $inner.get_ref().state()
            }

            fn is_delegating(&self) -> bool {
                let $this = self;
                $inner.get_ref().is_delegating()
            }

            fn take_return(self: ::core::pin::Pin<&Self>) -> Option<G::Return> {
                let $this = self.get_ref();
                $inner.take_return()
            }

            fn __keep_return(self: ::core::pin::Pin<&Self>, value: G::Return) {
                let $this = self.get_ref();
                $inner.__keep_return(value);
            }

            fn __take_exited(&self) -> bool {
                let $this = self;
                $inner.get_ref().__take_exited()
            }

            fn __take_chain(&self) -> Option<$crate::Chain<G::Yield, G::Resume, G::Error>> {
                let $this = self;
                $inner.get_ref().__take_chain()
            }
        }
    };
}

/// Marks the path that calls it as rarely taken, as `core::hint::cold_path` does (stable since
/// Rust 1.95, ten releases after this crate's 1.85 MSRV). On the arms of a `match` that the
/// resume path takes at every item, it makes LLVM test the common arm first instead of jumping
/// through a table: where the body's poll is not inlined into the resume (a `BoxGen`), those
/// jumps were two of the three indirect branches per item besides the call.
#[cold]
#[inline(never)]
pub(crate) fn cold_path() {}

mod airlock;
mod async_gen;
mod bridge;
mod chain;
mod co;
mod delegate;
mod generator;
mod handle;
mod state;
mod step;
mod unraisable;

// Not public API: what the `cogen-macros` expansions and the macros' front doors call.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
// The macros' `macro_rules!` front doors (`gen_fn!`, `gen_block!`, `iter!`, `catch!`,
// `raise!`), exported at the crate root; they pass `$crate` to `cogen-macros`.
#[cfg(feature = "macros")]
mod macros;

pub use crate::airlock::IdentitySlot;
pub use crate::async_gen::{
    AClose, ACloseMut, AsyncGen, Op, OpMut, aclosing, async_coroutine, async_coroutine_in,
    async_generator, async_generator_in,
};
pub use crate::bridge::{Driven, DrivenResult, awaitable, drive};
#[doc(hidden)]
pub use crate::chain::Chain;
pub use crate::co::{Co, Interrupt, Raise, Yield, YieldCatch, YieldFrom, YieldFromCatch};
pub use crate::delegate::{Delegate, IterDelegate, StreamDelegate};
pub use crate::generator::{
    Gen, Generates, Generator, coroutine, coroutine_in, generator, generator_in,
};
pub use crate::handle::Pinned;
#[cfg(feature = "alloc")]
pub use crate::handle::{BoxGen, Boxed, SendBoxGen};
pub use crate::state::GenState;
pub use crate::step::{CloseError, Input, ResumeError, Step};
pub use crate::unraisable::{UnraisableHook, UnraisableKind, set_unraisable_hook};

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
