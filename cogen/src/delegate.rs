//! What `yield_from` can delegate to.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;

use crate::generator::Generator;
use crate::step::{Input, ResumeError, Step};

/// Something a body can delegate to with [`Co::yield_from`](crate::Co::yield_from): PEP 380's
/// subiterator, seen through its `__next__`/`send`/`throw`/`close`.
///
/// Every [`Generator`] is a `Delegate`, and [`Co::yield_from_iter`](crate::Co::yield_from_iter)
/// wraps any iterator in one. Implement it for a hand-written type to give it its own answers
/// to sends, throws and closes (Python's class-based iterator with `send`, `throw` and `close`
/// methods, whose `StopIteration(value)` becomes the delegation's result).
///
/// # Examples
///
/// ```
/// use core::pin::Pin;
/// use cogen::{Delegate, Input, Step, generator};
///
/// /// Counts down, then returns how many items it produced.
/// struct Countdown(u32, u32);
///
/// impl Delegate for Countdown {
///     type Yield = u32;
///     type Resume = ();
///     type Return = u32;
///     type Error = core::convert::Infallible;
///
///     fn step(mut self: Pin<&mut Self>, input: Input<(), Self::Error>) -> Step<u32, u32> {
///         match input {
///             Input::Start | Input::Send(()) if self.0 > 0 => {
///                 self.0 -= 1;
///                 self.1 += 1;
///                 Step::Yielded(self.0)
///             }
///             Input::Close => Step::Exhausted,
///             _ => Step::Complete(self.1),
///         }
///     }
/// }
///
/// let g = cogen::pin!(generator(async |mut co| {
///     let produced = co.yield_from(Countdown(3, 0)).await;
///     co.yield_(100 + produced).await;
/// }));
/// assert_eq!(g.collect::<Vec<_>>(), [2, 1, 0, 103]);
/// ```
pub trait Delegate {
    /// What it yields.
    type Yield;
    /// What it receives from `send`.
    type Resume;
    /// What it returns when finished.
    type Return;
    /// The error `throw` raises in it.
    type Error;

    /// Resumes it with `input`, PEP 380's `next`/`send`/`throw`/`close` in one method.
    ///
    /// The first call is `Input::Start`. For `Input::Close`, `Yielded` means it ignored the
    /// close request, and `Complete`/`Exhausted` that it closed. `Raised(e)` means `e` left it
    /// (for a throw it did not handle, `e` is the thrown error): the delegating body sees `e`
    /// at its `yield_from`.
    fn step(
        self: Pin<&mut Self>,
        input: Input<Self::Resume, Self::Error>,
    ) -> Step<Self::Yield, Self::Return, Self::Error>;
}

impl<G: Generator + ?Sized> Delegate for G {
    type Yield = G::Yield;
    type Resume = G::Resume;
    type Return = G::Return;
    type Error = G::Error;

    #[inline]
    fn step(
        self: Pin<&mut Self>,
        input: Input<Self::Resume, Self::Error>,
    ) -> Step<Self::Yield, Self::Return, Self::Error> {
        match self.into_ref().try_resume(input) {
            Ok(step) => step,
            Err(ResumeError::Running(_)) => panic!(
                "`yield_from` a generator that is already executing \
                 (a delegation cycle, or a generator resuming its own delegator)"
            ),
            Err(ResumeError::AlreadyStarted) => panic!(
                "`yield_from` a generator that has already started: its suspended `yield` \
                 needs a value; resume it to the end yourself, or delegate before starting it"
            ),
            Err(ResumeError::JustStarted(_)) => unreachable!("delegation starts with Input::Start"),
        }
    }
}

/// The [`Delegate`] of an iterator, made by [`Co::yield_from_iter`](crate::Co::yield_from_iter).
///
/// An iterator has no `throw`: a thrown error is raised directly in the delegating body. It has
/// no `close`: closing just drops it.
pub struct IterDelegate<I, E> {
    iter: I,
    _error: PhantomData<fn(E)>,
}

impl<I, E> IterDelegate<I, E> {
    pub(crate) fn new(iter: I) -> Self {
        IterDelegate {
            iter,
            _error: PhantomData,
        }
    }
}

impl<I: fmt::Debug, E> fmt::Debug for IterDelegate<I, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IterDelegate").field(&self.iter).finish()
    }
}

// The iterator is never pinned: it is only used through `&mut`.
impl<I, E> Unpin for IterDelegate<I, E> {}

impl<I: Iterator, E> Delegate for IterDelegate<I, E> {
    type Yield = I::Item;
    type Resume = ();
    type Return = ();
    type Error = E;

    #[inline]
    fn step(mut self: Pin<&mut Self>, input: Input<(), E>) -> Step<I::Item, (), E> {
        match input {
            Input::Start | Input::Send(()) => match self.iter.next() {
                Some(item) => Step::Yielded(item),
                None => Step::Complete(()),
            },
            Input::Throw(e) => Step::Raised(e),
            Input::Close => Step::Exhausted,
        }
    }
}
