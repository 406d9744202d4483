//! What `yield_from` can delegate to.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::chain::Chain;
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

    /// The asynchronous form of [`step`](Delegate::step), used when the delegating generator
    /// is driven by an executor: `Poll::Pending` means the delegate waits on a foreign future
    /// (it must arrange for `cx` to be woken), and it is polled again with `None` to continue.
    ///
    /// The default calls `step`, for delegates that never wait.
    fn poll_step(
        self: Pin<&mut Self>,
        input: Option<Input<Self::Resume, Self::Error>>,
        cx: &mut Context<'_>,
    ) -> Poll<Step<Self::Yield, Self::Return, Self::Error>> {
        let _ = cx;
        match input {
            Some(input) => Poll::Ready(self.step(input)),
            None => unreachable!("a delegate that never waits is never continued"),
        }
    }

    #[doc(hidden)]
    /// Takes the delegation chain it recorded when it last yielded, if it yielded from inside
    /// a `yield_from` of its own (cogen's generators only; see `Generator::__take_chain`).
    fn take_chain(self: Pin<&mut Self>) -> Option<Chain<Self::Yield, Self::Resume, Self::Error>> {
        None
    }

    #[doc(hidden)]
    /// Whether it ended by raising the close request when none was asked of it (cogen's
    /// generators only; see `Generator::__take_exited`).
    fn take_exited(self: Pin<&mut Self>) -> bool {
        false
    }
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
        self.into_ref()
            .try_resume(input)
            .unwrap_or_else(|error| delegation_refused(&error))
    }

    fn take_chain(self: Pin<&mut Self>) -> Option<Chain<Self::Yield, Self::Resume, Self::Error>> {
        self.into_ref().get_ref().__take_chain()
    }

    fn take_exited(self: Pin<&mut Self>) -> bool {
        self.into_ref().get_ref().__take_exited()
    }

    #[inline]
    fn poll_step(
        self: Pin<&mut Self>,
        input: Option<Input<Self::Resume, Self::Error>>,
        cx: &mut Context<'_>,
    ) -> Poll<Step<Self::Yield, Self::Return, Self::Error>> {
        self.into_ref()
            .poll_resume(input, cx)
            .map(|result| result.unwrap_or_else(|error| delegation_refused(&error)))
    }
}

#[cold]
#[inline(never)]
fn delegation_refused<S, E>(error: &ResumeError<S, E>) -> ! {
    match error {
        ResumeError::Running(_) => panic!(
            "`yield_from` a generator that is already executing \
             (a delegation cycle, or a generator resuming its own delegator)"
        ),
        ResumeError::AlreadyStarted => panic!(
            "`yield_from` a generator that has already started: its suspended `yield` needs a \
             value; resume it to the end yourself, or delegate before starting it"
        ),
        ResumeError::JustStarted(_) => unreachable!("delegation starts with Input::Start"),
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

/// The [`Delegate`] of a [`Stream`](futures_core::Stream), made by
/// [`Co::yield_from_stream`](crate::Co::yield_from_stream): yields every item the stream
/// produces, waiting for it on the executor that drives the delegating generator.
///
/// A stream has no `throw` and no `close`: a thrown error is raised directly in the delegating
/// body, and closing just drops the stream.
pub struct StreamDelegate<St, E> {
    stream: St,
    _error: PhantomData<fn(E)>,
}

impl<St, E> StreamDelegate<St, E> {
    pub(crate) fn new(stream: St) -> Self {
        StreamDelegate {
            stream,
            _error: PhantomData,
        }
    }
}

impl<St: fmt::Debug, E> fmt::Debug for StreamDelegate<St, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StreamDelegate").field(&self.stream).finish()
    }
}

impl<St: futures_core::Stream, E> Delegate for StreamDelegate<St, E> {
    type Yield = St::Item;
    type Resume = ();
    type Return = ();
    type Error = E;

    fn step(self: Pin<&mut Self>, input: Input<(), E>) -> Step<St::Item, (), E> {
        // A sync resume has only a no-op waker to offer: a stream that is not ready makes the
        // delegating body's poll pending, which a sync resume reports as a misuse.
        let mut cx = Context::from_waker(core::task::Waker::noop());
        match self.poll_step(Some(input), &mut cx) {
            Poll::Ready(step) => step,
            Poll::Pending => panic!(
                "`yield_from_stream` a stream that is not ready, in a generator resumed \
                 synchronously: drive it with an executor"
            ),
        }
    }

    fn poll_step(
        self: Pin<&mut Self>,
        input: Option<Input<(), E>>,
        cx: &mut Context<'_>,
    ) -> Poll<Step<St::Item, (), E>> {
        // SAFETY: `stream` is structurally pinned: never moved out of `self`, no `Drop` impl,
        // and `StreamDelegate` is `!Unpin` whenever `St` is.
        let stream = unsafe { self.map_unchecked_mut(|this| &mut this.stream) };
        match input {
            None | Some(Input::Start | Input::Send(())) => match stream.poll_next(cx) {
                Poll::Ready(Some(item)) => Poll::Ready(Step::Yielded(item)),
                Poll::Ready(None) => Poll::Ready(Step::Complete(())),
                Poll::Pending => Poll::Pending,
            },
            Some(Input::Throw(e)) => Poll::Ready(Step::Raised(e)),
            Some(Input::Close) => Poll::Ready(Step::Exhausted),
        }
    }
}
