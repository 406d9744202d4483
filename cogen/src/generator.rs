//! The generator: a body future, its phase, and the resume protocol.

use core::cell::UnsafeCell;
use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, Waker};

use crate::airlock::{Airlock, Identity, IdentitySlot, Key, Outgoing, airlock_waker};
use crate::chain::{self, Chain, Link, Walked};
use crate::co::{Co, may_need_close_on_drop};
use crate::delegate::Delegate;
use crate::state::{GenState, Phase, PhaseWord, Suspension};
use crate::step::{Input, ResumeError, Step};
use crate::unraisable::{self, UnraisableKind};

/// A generator or coroutine: something that can be resumed until it finishes, Python's
/// `Generator[Yield, Resume, Return]` with a typed error for `throw`.
///
/// Implemented by [`Gen`] (the state machine, resumed in place through `Pin<&Gen>`) and by
/// the handles [`Pinned`](crate::Pinned) and [`Boxed`](crate::Boxed), which add the
/// convenient methods (`send`, `throw`, `close`, …) and `Iterator`. Functions that make
/// generators can return `impl Generator<Yield = …>`, or a [`BoxGen`](crate::BoxGen) when the
/// type must be named (in a struct, or for recursion).
///
/// Resuming takes `Pin<&Self>`, a shared reference: like Python, a generator can be reached
/// from its own body (through a shared handle), sees itself as [`GenState::Running`] there,
/// and refuses to be resumed re-entrantly ([`ResumeError::Running`]).
pub trait Generator {
    /// What the body yields (Python's `YieldType`).
    type Yield;
    /// What a `yield` evaluates to, put in by `send` (Python's `SendType`).
    type Resume;
    /// What the body returns (Python's `ReturnType`, `StopIteration.value`).
    type Return;
    /// What `throw` raises in the body.
    type Error;

    /// Resumes the generator with `input` and runs its body to the next suspension.
    ///
    /// # Errors
    ///
    /// Refuses, without running any body code and handing the input back, when the generator
    /// is running (re-entrant resume), when a value is sent to a generator that has not started,
    /// and when `Input::Start` is given to one that has.
    fn try_resume(
        self: Pin<&Self>,
        input: Input<Self::Resume, Self::Error>,
    ) -> Result<Step<Self::Yield, Self::Return, Self::Error>, ResumeError<Self::Resume, Self::Error>>;

    /// The asynchronous form of [`try_resume`](Generator::try_resume), for generators driven
    /// by an executor (async generators, generator-based coroutines): the body may also await
    /// foreign futures, which wake the task of `cx`.
    ///
    /// `Some(input)` starts an operation; `Poll::Pending` means the body is waiting on a
    /// foreign future (the generator reports [`GenState::Running`] meanwhile), and the
    /// operation is continued by polling again with `None`.
    ///
    /// # Errors
    ///
    /// As [`try_resume`](Generator::try_resume); a new input while an operation is waiting is
    /// refused with [`ResumeError::Running`].
    ///
    /// # Panics
    ///
    /// If polled with `None` when no operation is waiting.
    fn poll_resume(
        self: Pin<&Self>,
        input: Option<Input<Self::Resume, Self::Error>>,
        cx: &mut Context<'_>,
    ) -> Poll<
        Result<
            Step<Self::Yield, Self::Return, Self::Error>,
            ResumeError<Self::Resume, Self::Error>,
        >,
    > {
        // A generator that never waits: the synchronous resume is the whole step.
        let _ = cx;
        let input = input.unwrap_or_else(|| continued_without_operation());
        Poll::Ready(self.try_resume(input))
    }

    #[doc(hidden)]
    /// `next()`: starts a generator that has not started (`value` is then dropped, as
    /// Python's `send(None)` starts one), else sends `value`. The handles' `Iterator::next`
    /// calls this rather than choosing between `Input::Start` and `Input::Send` itself: a call
    /// whose argument is one of two constants is split in two by the optimiser, and the body's
    /// poll, then called twice, is no longer inlined into the caller's loop.
    fn __resume_next(
        self: Pin<&Self>,
        value: Self::Resume,
    ) -> Result<Step<Self::Yield, Self::Return, Self::Error>, ResumeError<Self::Resume, Self::Error>>
    {
        self.try_resume(Input::next(self.state(), || value))
    }

    #[doc(hidden)]
    /// [`__resume_next`](Generator::__resume_next) through an exclusive borrow, which the
    /// handles' `Iterator::next` holds: no other reference to the generator exists for the
    /// call, so nothing can observe it or resume it again while its body runs, and a
    /// generator may skip marking itself running (one store less per item).
    fn __resume_next_mut(
        self: Pin<&mut Self>,
        value: Self::Resume,
    ) -> Result<Step<Self::Yield, Self::Return, Self::Error>, ResumeError<Self::Resume, Self::Error>>
    {
        self.into_ref().__resume_next(value)
    }

    #[doc(hidden)]
    /// The handles' `Iterator::next`: [`__resume_next_mut`](Generator::__resume_next_mut), its
    /// step made an item (a return value is kept for `take_return`). A method of its own so
    /// that a `dyn Generator` returns the item (in registers) rather than the step (through
    /// memory). Measured on a `BoxGen` counter: where the optimiser cannot see which generator
    /// the handle holds, the same time as before; where it can (made and iterated in one
    /// function), this call was devirtualised and inlined (5 instructions per item, callgrind)
    /// where `__resume_next_mut` had stayed an indirect call (108).
    #[inline(always)]
    fn __next_item(mut self: Pin<&mut Self>, value: Self::Resume) -> Option<Self::Yield> {
        // One call site of the resume, so that the whole resume (and the body's poll in it)
        // can be inlined into the caller's loop.
        let step = self.as_mut().__resume_next_mut(value);
        crate::handle::item_of(self.into_ref(), step)
    }

    /// The generator's state (Python's `inspect.getgeneratorstate`).
    fn state(&self) -> GenState;

    /// Whether the generator is suspended inside a `yield_from` (Python's
    /// `gi_yieldfrom is not None`).
    fn is_delegating(&self) -> bool;

    /// Takes the return value kept when the generator was exhausted by `Iterator::next`, or
    /// `None` if there is none (already taken, delivered by a `Step::Complete`, or the
    /// generator did not return).
    ///
    /// The default keeps nothing.
    fn take_return(self: Pin<&Self>) -> Option<Self::Return> {
        None
    }

    #[doc(hidden)]
    /// Keeps a return value for `take_return`; used by the `Iterator` impls. The default
    /// drops it.
    fn __keep_return(self: Pin<&Self>, value: Self::Return) {
        drop(value);
    }

    #[doc(hidden)]
    /// Whether its body ended by raising the close request when no close was asked of it
    /// (Python's `raise GeneratorExit` outside a close), a mark taken once: a `yield_from`
    /// asks when the sub-generator reports `Step::Exhausted` outside a close, and raises the
    /// close request in its own body if so. The default: never.
    fn __take_exited(&self) -> bool {
        false
    }

    #[doc(hidden)]
    /// Takes the delegation chain recorded when it last suspended inside a `yield_from`, for
    /// the delegating generator one level up to link into its own (see `chain.rs`). Taking
    /// it means this generator never walks that chain itself: the generator above may advance
    /// it, and if this one is later resumed on its own, it takes the ordinary path. Only
    /// generators reached exclusively (owned, or through `&mut`) may return one.
    fn __take_chain(&self) -> Option<Chain<Self::Yield, Self::Resume, Self::Error>> {
        None
    }

    /// Moves the generator into a [`Boxed`](crate::Boxed) handle: an `Iterator`, `'static`
    /// when the body's captures are, `Send` when its state is.
    #[cfg(feature = "alloc")]
    fn boxed(self) -> crate::Boxed<Self>
    where
        Self: Sized,
    {
        crate::Boxed::new(self)
    }

    /// Moves the generator into a type-erased [`BoxGen`](crate::BoxGen), nameable in struct
    /// fields and in the return type of recursive functions.
    #[cfg(feature = "alloc")]
    fn boxed_dyn<'a>(
        self,
    ) -> crate::BoxGen<'a, Self::Yield, Self::Resume, Self::Return, Self::Error>
    where
        Self: Sized + 'a,
    {
        crate::Boxed::from_pin(alloc::boxed::Box::pin(self))
    }

    /// As [`boxed_dyn`](Generator::boxed_dyn), keeping `Send`.
    #[cfg(feature = "alloc")]
    fn boxed_send<'a>(
        self,
    ) -> crate::SendBoxGen<'a, Self::Yield, Self::Resume, Self::Return, Self::Error>
    where
        Self: Sized + Send + 'a,
    {
        crate::Boxed::from_pin(alloc::boxed::Box::pin(self))
    }
}

/// Shorthand for a [`Generator`] with the given types, in Python's `Generator[Yield, Send,
/// Return]` order, for `impl` return types: `impl Generates<u32>` is a generator of `u32` that
/// receives `()`, returns `()` and cannot be thrown into.
///
/// # Examples
///
/// ```
/// use cogen::{Generates, generator};
///
/// fn evens(limit: u32) -> impl Generates<u32, (), &'static str> {
///     generator(async move |mut co| {
///         for i in (0..limit).step_by(2) {
///             co.yield_(i).await;
///         }
///         "done"
///     })
/// }
///
/// let g = cogen::pin!(generator(async |mut co| {
///     let result = co.yield_from(evens(5)).await; // `Error` is known: delegation type-checks
///     co.yield_(result.len() as u32).await;
/// }));
/// assert_eq!(g.collect::<Vec<_>>(), [0, 2, 4, 4]);
/// ```
pub trait Generates<Y, S = (), R = (), E = Infallible>:
    Generator<Yield = Y, Resume = S, Return = R, Error = E>
{
}

impl<G, Y, S, R, E> Generates<Y, S, R, E> for G where
    G: Generator<Yield = Y, Resume = S, Return = R, Error = E> + ?Sized
{
}

forward_generator! {
    // A mutable borrow of a handle is a generator too, so a body can delegate to a generator
    // and keep its handle: `co.yield_from(&mut boxed).await`, then inspect `boxed` afterwards.
    impl[G: Generator + Unpin + ?Sized] for &mut G,
    |this| Pin::new(&**this),
    |this| Pin::new(&mut **this.get_mut()),
}

/// Makes a generator from an async closure that yields through its [`Co`] handle. No body
/// code runs until the first resume.
///
/// The closure's return value is the generator's return value. For a generator that also
/// receives values or errors, use [`coroutine`].
///
/// # Borrowing
///
/// A body borrows from its environment like any closure: a generator over a `&[T]` can yield
/// `&T`, and the generator (and any `BoxGen<'a, ..>` made from it) cannot outlive what it
/// borrows. A body's locals can borrow each other across yields, as in any `async` block. Two
/// things cannot be borrowed, both by design:
///
/// - the generator itself, from its own body: a value cannot hold a reference to itself. A
///   body that needs its own handle gets a shared one (an `Rc` to a boxed generator, filled in
///   after creation); resuming through it while the body runs is refused with
///   [`ResumeError::Running`], Python's "generator already executing".
/// - the yield handle, beyond the body: `Co<'b, ..>` is branded with a lifetime the body must
///   accept for every `'b`, so it cannot be stored anywhere that outlives the body (the
///   `compile_fail` examples on [`Co`] show the attempts).
///
/// ```
/// let words = ["a", "b", "c"];
/// let g = cogen::pin!(cogen::generator(async |mut co| {
///     for word in &words {
///         co.yield_(word).await; // yields `&&str` borrowed from `words`
///     }
/// }));
/// assert_eq!(g.copied().collect::<Vec<_>>(), words);
/// ```
///
/// # Examples
///
/// ```
/// use cogen::generator;
///
/// fn countdown(n: u32) -> impl cogen::Generates<u32> {
///     generator(async move |mut co| {
///         for i in (1..=n).rev() {
///             co.yield_(i).await;
///         }
///     })
/// }
///
/// let g = cogen::pin!(countdown(3));
/// assert_eq!(g.collect::<Vec<_>>(), [3, 2, 1]);
///
/// use cogen::Generator as _; // for `boxed` on an `impl Generates`
/// assert_eq!(countdown(2).boxed().sum::<u32>(), 3);
/// ```
pub fn generator<Y, R, B>(body: B) -> Gen<Y, (), Infallible, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y>) -> R,
{
    coroutine(body)
}

/// Makes a coroutine: a generator whose `yield` evaluates to the values sent in (`S`), and
/// into which errors of type `E` can be thrown. No body code runs until the first resume.
///
/// Annotate the closure's argument to name `S` and `E`: `Co<'_, Yield, Send, Error>`.
///
/// # Examples
///
/// ```
/// use cogen::{Co, Step, coroutine};
///
/// // Python: def averager(): total = n = 0; avg = None
/// //         while True: x = yield avg; total += x; n += 1; avg = total / n
/// let avg = cogen::pin!(coroutine(async |mut co: Co<'_, Option<f64>, f64>| {
///     let (mut total, mut n) = (0.0, 0.0);
///     let mut avg = None;
///     loop {
///         total += co.yield_(avg).await;
///         n += 1.0;
///         avg = Some(total / n);
///     }
/// }));
/// assert_eq!(avg.start(), Step::Yielded(None));
/// assert_eq!(avg.send(10.0), Step::Yielded(Some(10.0)));
/// assert_eq!(avg.send(20.0), Step::Yielded(Some(15.0)));
/// ```
pub fn coroutine<Y, S, E, R, B>(body: B) -> Gen<Y, S, E, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y, S, E>) -> R,
{
    with_identity(Identity::next(), body)
}

/// [`generator`] whose identity is the address of `slot` rather than a number from a
/// thread-local block: making it touches no thread-local and no shared counter, which is what
/// creating a generator costs beyond a hand-written iterator (`create_small` in the README's
/// performance table). The generator borrows `slot` for its whole life, so it cannot outlive
/// it, and the slot serves no other generator meanwhile ([`IdentitySlot`] shows both errors).
/// Everything else is [`generator`]'s.
///
/// # Examples
///
/// ```
/// use cogen::{IdentitySlot, generator_in};
///
/// let mut total = 0;
/// let mut slot = IdentitySlot::new();
/// for i in 0..3u64 {
///     // One slot, one generator at a time: each is dropped at the end of its iteration.
///     let mut g = cogen::pin!(generator_in(&mut slot, async move |mut co| {
///         co.yield_(i).await;
///         co.yield_(i * 10).await;
///     }));
///     total += g.next().unwrap();
/// }
/// assert_eq!(total, 3);
/// ```
pub fn generator_in<'s, Y, R, B>(
    slot: &'s mut IdentitySlot,
    body: B,
) -> Gen<Y, (), Infallible, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y>) -> R,
{
    coroutine_in(slot, body)
}

/// [`coroutine`] whose identity is the address of `slot`, as [`generator_in`].
pub fn coroutine_in<'s, Y, S, E, R, B>(
    slot: &'s mut IdentitySlot,
    body: B,
) -> Gen<Y, S, E, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y, S, E>) -> R,
{
    // The returned type captures `'s`, so the generator keeps `slot` borrowed while it lives
    // (`Identity` says why that makes the identity unique among live generators).
    with_identity(Identity::of_slot(slot), body)
}

/// The generator of `body` with `identity`.
#[inline(always)]
fn with_identity<Y, S, E, R, B>(
    identity: Identity,
    body: B,
) -> Gen<Y, S, E, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y, S, E>) -> R,
{
    // Calling the async closure runs none of its code: it makes the body's future.
    Gen {
        phase: PhaseWord::new(Phase::Created, identity),
        body: UnsafeCell::new(BodySlot {
            future: ManuallyDrop::new(body(Co::new(Key::new(identity)))),
        }),
        _types: PhantomData,
    }
}

/// Where the body lives: its future until the generator closes, then the return value kept
/// for `take_return`, or nothing. The phase tells which (`Phase` invariant 2), so the slot needs
/// no tag of its own: a generator is its body plus 16 bytes.
union BodySlot<F: Future> {
    future: ManuallyDrop<F>,
    returned: ManuallyDrop<F::Output>,
}

/// The generator state machine made by [`generator`] and [`coroutine`]: the body's future and
/// its [`GenState`], with no allocation. It is the size of the body's future plus 16 bytes
/// (its phase, its identity and the record of a delegation chain).
///
/// `Gen` is resumed through `Pin<&Gen>`: pin it on the stack with [`cogen::pin!`](crate::pin!)
/// (a [`Pinned`](crate::Pinned) handle) or on the heap with
/// [`boxed`](Generator::boxed) (a [`Boxed`](crate::Boxed) handle). Before its first resume it
/// is an ordinary value that can be moved and returned.
///
/// `Gen` is `Send` when its body's state is (its captures, the locals it keeps across yields,
/// and the yield, resume and error types), and never `Sync`:
///
/// ```compile_fail
/// fn sync<T: Sync>(_: &T) {}
/// sync(&cogen::generator(async |mut co| co.yield_(1).await));
/// ```
#[must_use = "generators are lazy and do nothing unless resumed"]
pub struct Gen<Y, S, E, F: Future> {
    // See `Phase` for the invariants that every `unsafe` below relies on. Beside the phase:
    // the delegation chain, recorded while suspended or waiting inside a `yield_from` (see
    // `chain.rs` for its invariants), and the identity that its `Co` compares with the
    // airlock's header (see `airlock::Key`).
    phase: PhaseWord,
    body: UnsafeCell<BodySlot<F>>,
    _types: PhantomData<fn(Y, S, E) -> (Y, S, E)>,
}

impl<Y, S, E, F: Future> fmt::Debug for Gen<Y, S, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gen")
            .field("state", &self.state())
            .field("delegating", &self.is_delegating())
            .finish()
    }
}

/// Leaves `Running` for `Closed` and drops the body if the body panics.
struct PanicGuard<'g, Y, S, E, F: Future>(&'g Gen<Y, S, E, F>);

impl<Y, S, E, F: Future> Drop for PanicGuard<'_, Y, S, E, F> {
    fn drop(&mut self) {
        // Only reached while unwinding out of `poll` (the normal path forgets the guard); the
        // borrow of the body taken for the poll is gone with the unwound frames.
        self.0.phase.set(Phase::Closed);
        // SAFETY: `Phase` invariant 1: the poll that borrowed the body has unwound, and the
        // phase is no longer `Running`, so no other borrow of the body exists; invariant 2:
        // the slot held the future until now (`Closed`, set first, says it holds nothing, so a
        // panic in the drop cannot drop it twice). Dropping in place respects invariant 3.
        unsafe { ManuallyDrop::drop(&mut (*self.0.body.get()).future) };
    }
}

#[cfg(feature = "alloc")]
impl<Y, S, E, F: Future> Gen<Y, S, E, F> {
    /// Moves the generator into a [`Boxed`](crate::Boxed) handle (see [`Generator::boxed`]).
    pub fn boxed(self) -> crate::Boxed<Self> {
        crate::Boxed::new(self)
    }

    /// Moves the generator into a type-erased [`BoxGen`](crate::BoxGen) (see
    /// [`Generator::boxed_dyn`]).
    pub fn boxed_dyn<'a>(self) -> crate::BoxGen<'a, Y, S, F::Output, E>
    where
        Self: 'a,
    {
        Generator::boxed_dyn(self)
    }

    /// As [`boxed_dyn`](Gen::boxed_dyn), keeping `Send`.
    pub fn boxed_send<'a>(self) -> crate::SendBoxGen<'a, Y, S, F::Output, E>
    where
        Self: Send + 'a,
    {
        Generator::boxed_send(self)
    }
}

impl<Y, S, E, F: Future> Gen<Y, S, E, F> {
    /// Whether an operation waits on a foreign future (`Phase::AwaitingOwn` or `AwaitingSub`).
    #[inline]
    pub(crate) fn is_awaiting(&self) -> bool {
        matches!(self.phase.get(), Phase::AwaitingOwn | Phase::AwaitingSub)
    }

    #[inline]
    fn owner(&self) -> Identity {
        self.phase.identity()
    }

    /// The delegation chain recorded with the phase (meaningful only in the delegating phases,
    /// chain invariant 1).
    #[inline(always)]
    fn chain(&self) -> Option<Chain<Y, S, E>> {
        let innermost = self.phase.chain().cast::<Link<Y, S, E>>().cast_mut();
        NonNull::new(innermost).map(|innermost| Chain { innermost })
    }

    /// Moves to a delegating phase (`SuspendedDelegating`, `AwaitingSub`) with `chain`.
    #[inline(always)]
    fn set_delegating(&self, phase: Phase, chain: Option<Chain<Y, S, E>>) {
        let innermost = chain.map_or(core::ptr::null(), |chain| {
            chain.innermost.as_ptr().cast_const().cast::<()>()
        });
        self.phase.set_with_chain(phase, innermost);
    }

    /// Drops the body in place and closes. Destructors of the body's locals run here, innermost
    /// first: they are the body's `finally` blocks.
    #[inline(always)]
    fn finish(&self) {
        debug_assert!(self.phase.get().holds_future());
        self.phase.set(Phase::Closed);
        // SAFETY: `Phase` invariant 1: callers either checked that the phase is not `Running`
        // or are `poll_body` after its poll returned, so no borrow of the body is live;
        // invariant 2: callers only finish a generator that is not closed, whose slot holds
        // the future (`Closed`, set first, says it no longer does). The future is dropped in
        // place (invariant 3).
        unsafe { ManuallyDrop::drop(&mut (*self.body.get()).future) };
    }

    /// Decides what an input does before any body code runs: refused, answered without the
    /// body (Python runs no body code for these), or passed on to a poll.
    #[inline(always)]
    fn gate<const CALLER: u8>(&self, input: Option<Input<S, E>>) -> Gate<Y, S, E, F::Output> {
        use Gate::{Answer, Poll};
        match (self.phase.get(), input) {
            (Phase::AwaitingOwn | Phase::AwaitingSub, None) => Poll(None),
            // Reached through a delegation chain: this generator's own `yield_from` node
            // finished while the chain was stepped directly; its body takes the parked outcome.
            (Phase::SuspendedDelegating, None) => Poll(None),
            (_, None) => continued_without_operation(),
            (Phase::Running, Some(input)) => Answer(Err(ResumeError::Running(input))),
            // `Stream::poll_next` continues a wait it finds in flight.
            (Phase::AwaitingOwn | Phase::AwaitingSub, Some(Input::Send(value)))
                if CALLER == STREAM_NEXT =>
            {
                drop(value);
                Poll(None)
            }
            // A wait cannot take a value; an interrupt reaches it as it would a plain yield,
            // or goes down the delegation chain to the generator that waits.
            (
                Phase::AwaitingOwn | Phase::AwaitingSub,
                Some(input @ (Input::Start | Input::Send(_))),
            ) => Answer(Err(ResumeError::Running(input))),
            (Phase::AwaitingSub, Some(input)) => Poll(Some(input)),
            (Phase::Created, Some(Input::Send(value))) => {
                if CALLER != RESUME {
                    drop(value);
                    Poll(Some(Input::Start))
                } else {
                    Answer(Err(ResumeError::JustStarted(value)))
                }
            }
            (
                Phase::SuspendedPlain | Phase::SuspendedCatching | Phase::SuspendedDelegating,
                Some(Input::Start),
            ) => Answer(Err(ResumeError::AlreadyStarted)),
            (Phase::Closed | Phase::Returned | Phase::Exited, Some(Input::Throw(error))) => {
                Answer(Ok(Step::Raised(error)))
            }
            (Phase::Closed | Phase::Returned | Phase::Exited, Some(_)) => {
                Answer(Ok(Step::Exhausted))
            }
            // Python runs no body code (not even `finally`) for a throw or close into a
            // generator that never started, and none for an interrupt at a plain yield either:
            // dropping the body runs its destructors, which are its `finally` blocks.
            (
                Phase::Created | Phase::SuspendedPlain | Phase::AwaitingOwn,
                Some(Input::Throw(error)),
            ) => {
                self.finish();
                Answer(Ok(Step::Raised(error)))
            }
            (Phase::Created | Phase::SuspendedPlain | Phase::AwaitingOwn, Some(Input::Close)) => {
                self.finish();
                Answer(Ok(Step::Exhausted))
            }
            (_, Some(input)) => Poll(Some(input)),
        }
    }

    /// Whether an input that `gate` let through goes down the delegation chain: given to a
    /// generator suspended inside a `yield_from`, or continuing a wait inside one.
    #[inline(always)]
    fn walks(&self, input: &Option<Input<S, E>>) -> bool {
        matches!(
            (self.phase.get(), input),
            (Phase::SuspendedDelegating, Some(_)) | (Phase::AwaitingSub, _)
        )
    }

    /// [`walks`](Self::walks) for the synchronous resume: never, decided at compile time, for
    /// a body whose type shows that it holds no delegation across an await
    /// (`may_need_close_on_drop`). Such a body is never suspended inside a `yield_from`
    /// (`poll_body` refuses it with `hidden_catch`), and when it waits inside one
    /// (`AwaitingSub`) it recorded no chain, so its body is polled either way. Without the
    /// walk's path, a loop over a generator made elsewhere carries only constants from one
    /// item to the next, and LLVM peels the first resume off the loop (ARCHITECTURE.md,
    /// "Staying in registers"). The asynchronous resume keeps the plain test: a stream is
    /// polled through a pointer, where no peeling can help, and there the shorter path only
    /// moved code (`stream_sum` 3.2x -> 4.3x in `bench_table`, one instruction fewer per
    /// item).
    #[inline(always)]
    fn walks_sync(&self, input: &Option<Input<S, E>>) -> bool {
        may_need_close_on_drop::<F>() && self.walks(input)
    }

    /// Carries out an input that `gate` let through: down the delegation chain when this
    /// generator is suspended or waiting inside a `yield_from` with a recorded chain (chain
    /// invariant 3: a continuation of a delegating generator polls its body), else by
    /// polling the body.
    ///
    /// `SYNC`: called by the synchronous resume, which has the walk inlined
    /// ([`chain::walk`]); the asynchronous one calls it out of line.
    #[inline(always)]
    fn advance<const EXCLUSIVE: bool, const SYNC: bool>(
        self: Pin<&Self>,
        input: Option<Input<S, E>>,
        walk: bool,
        outer: &Waker,
    ) -> Poll<Step<Y, F::Output, E>> {
        let chain = if walk { self.chain() } else { None };
        let input = match chain {
            Some(chain) => match self.walk_chain::<SYNC>(chain, input, outer) {
                Some(done) => return done,
                // Our own node finished: the body continues with no input.
                None => None,
            },
            _ => input,
        };
        // The one call site of `poll_body`, so that the body's poll is inlined once.
        self.poll_body::<EXCLUSIVE>(input, outer)
    }

    /// Steps the chain with `input` (see [`chain::walk`]); `None` when this generator's own
    /// node finished, and its body must be polled to continue.
    #[inline(always)]
    fn walk_chain<const SYNC: bool>(
        self: Pin<&Self>,
        chain: Chain<Y, S, E>,
        input: Option<Input<S, E>>,
        outer: &Waker,
    ) -> Option<Poll<Step<Y, F::Output, E>>> {
        let this = self.get_ref();
        let mut cx = Context::from_waker(outer);
        this.phase.set(Phase::Running);
        // A panic in a sub-generator closes this generator and drops its body (and so the
        // whole chain), as a panic while polling the body would.
        let guard = PanicGuard(this);
        // SAFETY: chain invariant 1: `chain` was recorded when this generator suspended, and
        // since then only this resume has touched the chain (invariant 3).
        let walked = unsafe {
            if SYNC {
                chain::walk(chain, input, &mut cx)
            } else {
                chain::walk_out_of_line(chain, input, &mut cx)
            }
        };
        core::mem::forget(guard);
        match walked {
            Walked::Pending(innermost) => {
                this.set_delegating(Phase::AwaitingSub, Some(Chain { innermost }));
                Some(Poll::Pending)
            }
            Walked::Yielded(value, innermost) => {
                this.set_delegating(Phase::SuspendedDelegating, Some(Chain { innermost }));
                Some(Poll::Ready(Step::Yielded(value)))
            }
            // Our `yield_from` parked the outcome, and the body takes it from there.
            Walked::OwnNodeFinished => {
                this.phase.set(Phase::SuspendedDelegating);
                None
            }
        }
    }

    /// Polls the body once (the phase is not `Running` or `Closed`; `gate` checked). `None`
    /// continues an operation that was waiting on a foreign future. `Pending` means the body
    /// awaits a foreign future: the phase is then `Awaiting`.
    ///
    /// `EXCLUSIVE` is true only on the paths that start from a `Pin<&mut Self>`
    /// ([`Generator::__resume_next_mut`], [`Gen::poll_stream_next`]): no other reference to the
    /// generator exists for the call, so nothing can see the phase or resume the generator
    /// while the body runs, and the phase is not set to `Running` (`Phase` invariant 1).
    #[inline(always)]
    fn poll_body<const EXCLUSIVE: bool>(
        self: Pin<&Self>,
        input: Option<Input<S, E>>,
        outer: &Waker,
    ) -> Poll<Step<Y, F::Output, E>> {
        let this = self.get_ref();
        let mut airlock = Airlock::new(this.owner(), outer, input);
        // All accesses to the airlock go through this pointer (it is in the waker too).
        let airlock = &raw mut airlock;
        let waker = airlock_waker(airlock);
        let mut cx = Context::from_waker(&waker);

        if !EXCLUSIVE {
            this.phase.set(Phase::Running);
        }
        let guard = PanicGuard(this);
        // SAFETY: `Phase` invariant 1: the phase was not `Running` (`gate` checked), and either
        // is now or the caller holds the generator exclusively (`EXCLUSIVE`), so this is the
        // only borrow of the body until the poll returns; invariant 2: the phase was one that
        // holds the future (`gate` let no closed generator through).
        let future = unsafe { &mut *(*this.body.get()).future };
        // SAFETY: `self` is pinned, and the body is structurally pinned in it: it is never
        // moved out, only dropped in place (`Phase` invariant 3).
        let poll = unsafe { Pin::new_unchecked(future) }.poll(&mut cx);
        core::mem::forget(guard);

        let value = match poll {
            Poll::Ready(value) => value,
            Poll::Pending => {
                // SAFETY: the poll is over, so no `yield` future holds the airlock pointer.
                let outgoing =
                    unsafe { core::ptr::replace(&raw mut (*airlock).outgoing, Outgoing::Empty) };
                return match outgoing {
                    Outgoing::Yield(value, suspension) => {
                        if suspension != Suspension::Plain && !may_need_close_on_drop::<F>() {
                            // Its drop-time close would be skipped: refuse (see `CloseOnDrop`).
                            this.finish();
                            hidden_catch();
                        }
                        if suspension == Suspension::Delegating {
                            // Polling the body made new link pointers (chain invariant 2):
                            // record them.
                            // SAFETY: the poll is over (as above).
                            let chain = unsafe { (*airlock).chain.take() };
                            this.set_delegating(Phase::SuspendedDelegating, chain);
                        } else {
                            this.phase.set(Phase::suspended(suspension));
                        }
                        Poll::Ready(Step::Yielded(value))
                    }
                    Outgoing::Raise(error) => {
                        crate::cold_path();
                        this.finish();
                        Poll::Ready(Step::Raised(error))
                    }
                    Outgoing::Exit => {
                        crate::cold_path();
                        this.finish();
                        // SAFETY: the poll is over (as above).
                        if !unsafe { (*airlock).closing } {
                            // No close was asked: the body raised it (see `Phase::Exited`).
                            this.phase.set(Phase::Exited);
                        }
                        Poll::Ready(Step::Exhausted)
                    }
                    Outgoing::SubIgnoredClose(value) => {
                        crate::cold_path();
                        this.finish();
                        Poll::Ready(Step::Yielded(value))
                    }
                    Outgoing::Empty => {
                        crate::cold_path();
                        this.phase.set(Phase::AwaitingOwn);
                        Poll::Pending
                    }
                    Outgoing::SubWaiting => {
                        crate::cold_path();
                        // No chain recorded: the continuation polls the body (chain
                        // invariant 1).
                        this.phase.set(Phase::AwaitingSub);
                        Poll::Pending
                    }
                };
            }
        };
        // The finished future holds nothing but its state: dropping it runs no body code.
        this.finish();
        Poll::Ready(Step::Complete(value))
    }
}

// Who resumes (a const parameter of `gate`, so that each caller's copy has only its own
// arms): decides what a sent value means to a generator that has not started or that waits
// on a foreign future.
/// `try_resume`/`poll_resume`: the input is what the caller asked for.
const RESUME: u8 = 0;
/// `Iterator::next`: a send to a generator that has not started starts it.
const NEXT: u8 = 1;
/// `Stream::poll_next`: as `NEXT`, and a send to a waiting generator continues the wait.
const STREAM_NEXT: u8 = 2;

/// What `Gen::gate` decided.
enum Gate<Y, S, E, R> {
    Answer(Result<Step<Y, R, E>, ResumeError<S, E>>),
    Poll(Option<Input<S, E>>),
}

#[cold]
#[inline(never)]
fn hidden_catch() -> ! {
    panic!(
        "a cogen generator suspended at a `.catch()` yield or a `yield_from` that its body \
         does not hold by value (it was boxed, or awaited inside another future): await these \
         directly in the body, so that dropping the generator can close it (the generator is \
         now closed)"
    )
}

#[cold]
#[inline(never)]
fn continued_without_operation() -> ! {
    panic!("a generator was polled to continue an operation, but none is waiting")
}

#[cold]
#[inline(never)]
fn foreign_await() -> ! {
    panic!(
        "a cogen generator body awaited a future that is not one of its own yields; a sync \
         resume cannot wait for I/O or timers: drive the generator with an executor (as an \
         async generator, or with `cogen::drive`) (the generator is now closed)"
    )
}

impl<Y, S, E, F: Future> Generator for Gen<Y, S, E, F> {
    type Yield = Y;
    type Resume = S;
    type Return = F::Output;
    type Error = E;

    #[inline(always)]
    fn try_resume(
        self: Pin<&Self>,
        input: Input<S, E>,
    ) -> Result<Step<Y, F::Output, E>, ResumeError<S, E>> {
        self.resume_sync::<RESUME, false>(input)
    }

    #[inline(always)]
    fn __resume_next_mut(
        self: Pin<&mut Self>,
        value: S,
    ) -> Result<Step<Y, F::Output, E>, ResumeError<S, E>> {
        // Exclusive: `self` is the only reference to the generator for this call.
        self.into_ref()
            .resume_sync::<NEXT, true>(Input::Send(value))
    }
    #[inline]
    fn poll_resume(
        self: Pin<&Self>,
        input: Option<Input<S, E>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<Y, F::Output, E>, ResumeError<S, E>>> {
        self.resume_async::<RESUME, false>(input, cx)
    }

    #[inline]
    fn state(&self) -> GenState {
        self.phase.get().public()
    }

    fn is_delegating(&self) -> bool {
        self.phase.get() == Phase::SuspendedDelegating
    }

    fn take_return(self: Pin<&Self>) -> Option<F::Output> {
        if self.phase.get() != Phase::Returned {
            return None;
        }
        self.phase.set(Phase::Closed);
        // SAFETY: `Phase` invariant 1: closed, so not running and no borrow of the body is
        // live; invariant 2: `Returned` says the slot holds the return value, which is not
        // pinned (it was never polled), and `Closed`, set first, says it is taken.
        Some(unsafe { ManuallyDrop::take(&mut (*self.body.get()).returned) })
    }

    fn __take_exited(&self) -> bool {
        let exited = self.phase.get() == Phase::Exited;
        if exited {
            self.phase.set(Phase::Closed);
        }
        exited
    }

    fn __take_chain(&self) -> Option<Chain<Y, S, E>> {
        match self.phase.get() {
            Phase::SuspendedDelegating => {
                let chain = self.chain();
                self.phase.set(Phase::SuspendedDelegating);
                chain
            }
            _ => None,
        }
    }

    fn __keep_return(self: Pin<&Self>, value: F::Output) {
        if self.phase.get() == Phase::Closed {
            // SAFETY: `Phase` invariant 1: closed, so no borrow of the body is live; invariant
            // 2: `Closed` says the slot holds nothing, so writing drops nothing.
            unsafe {
                (*self.body.get()).returned = ManuallyDrop::new(value);
            }
            self.phase.set(Phase::Returned);
        }
    }
}

impl<Y, S, E, F: Future> Gen<Y, S, E, F> {
    /// The synchronous resume: [`Generator::try_resume`] (`RESUME`) and
    /// [`Generator::__resume_next_mut`] (`NEXT`); `EXCLUSIVE` as in
    /// [`poll_body`](Self::poll_body).
    #[inline(always)]
    fn resume_sync<const CALLER: u8, const EXCLUSIVE: bool>(
        self: Pin<&Self>,
        input: Input<S, E>,
    ) -> Result<Step<Y, F::Output, E>, ResumeError<S, E>> {
        // The hot path (`next`/`send` at a yield outside a delegation) skips the full gate.
        // Written out here and in `resume_async` rather than shared: one helper for both,
        // returning a `ControlFlow`, took a coroutine sent to in a loop after being made in
        // another function (`send_echo`, "moved in") from 1.0x to 4.5x a hand-written one.
        let plain = self.phase.is_at_yield();
        let (input, walk) = if plain && matches!(input, Input::Send(_)) {
            (Some(input), false)
        } else {
            match self.gate::<CALLER>(Some(input)) {
                Gate::Answer(answer) => return answer,
                Gate::Poll(input) => {
                    let walk = self.walks_sync(&input);
                    (input, walk)
                }
            }
        };
        match self.advance::<EXCLUSIVE, true>(input, walk, Waker::noop()) {
            Poll::Ready(step) => Ok(step),
            Poll::Pending => {
                self.finish();
                foreign_await()
            }
        }
    }
}

impl<Y, S, E, F: Future> Gen<Y, S, E, F> {
    /// `Stream::poll_next` of an async generator: starts it if it has not started, continues
    /// the wait in flight if there is one, else sends `value`. (One call with one input, as
    /// [`Generator::__resume_next_mut`], so that the body's poll is inlined once.) Exclusive,
    /// as that one: it does not mark the generator running.
    #[inline]
    pub(crate) fn poll_stream_next(
        self: Pin<&mut Self>,
        value: S,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<Y, F::Output, E>, ResumeError<S, E>>> {
        self.into_ref()
            .resume_async::<STREAM_NEXT, true>(Some(Input::Send(value)), cx)
    }

    /// The asynchronous resume ([`Generator::poll_resume`]); `EXCLUSIVE` as in
    /// [`poll_body`](Self::poll_body).
    #[inline(always)]
    fn resume_async<const CALLER: u8, const EXCLUSIVE: bool>(
        self: Pin<&Self>,
        input: Option<Input<S, E>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<Y, F::Output, E>, ResumeError<S, E>>> {
        // The hot path, as in `resume_sync`: a send at a yield outside a delegation.
        let plain = self.phase.is_at_yield();
        let (input, walk) = if plain && matches!(input, Some(Input::Send(_))) {
            (input, false)
        } else {
            match self.gate::<CALLER>(input) {
                Gate::Answer(answer) => return Poll::Ready(answer),
                Gate::Poll(input) => {
                    let walk = self.walks(&input);
                    (input, walk)
                }
            }
        };
        self.advance::<EXCLUSIVE, false>(input, walk, cx.waker())
            .map(Ok)
    }
}

impl<Y, S, E, F: Future> Drop for Gen<Y, S, E, F> {
    #[inline]
    fn drop(&mut self) {
        // Decided at compile time for most bodies: a call that receives the generator's
        // address, even one never taken, keeps the whole generator in memory in the function
        // that owns it (see `ARCHITECTURE.md`, "Staying in registers").
        // A body suspended where it handles interrupts gets Python's drop-time close, so its
        // handlers run. Elsewhere dropping the body is the whole close: its destructors run
        // below.
        let catching = matches!(
            self.phase.get(),
            Phase::SuspendedCatching | Phase::SuspendedDelegating
        );
        if may_need_close_on_drop::<F>() && catching {
            self.close_on_drop();
        }
        let phase = self.phase.get();
        let slot = self.body.get_mut();
        if phase.holds_future() {
            // SAFETY: `Phase` invariant 2: the slot holds the future; it is dropped in place
            // (invariant 3), once: the generator is gone after this.
            unsafe { ManuallyDrop::drop(&mut slot.future) };
        } else if phase == Phase::Returned {
            // SAFETY: `Phase` invariant 2: the slot holds the kept return value.
            unsafe { ManuallyDrop::drop(&mut slot.returned) };
        }
    }
}

impl<Y, S, E, F: Future> Gen<Y, S, E, F> {
    /// Python's drop-time close, for a body suspended where it handles interrupts or delegates.
    #[cold]
    #[inline(never)]
    fn close_on_drop(&mut self) {
        if unraisable::thread_panicking() {
            return;
        }
        // SAFETY: `Phase` invariant 3: a suspended generator has been polled through
        // `Pin<&Gen>`, so it is pinned; this is its last use before its fields are dropped in
        // place.
        let this = unsafe { Pin::new_unchecked(&mut *self) };
        let mut cx = Context::from_waker(Waker::noop());
        // Through the copy of the resume that a delegation to this generator steps it with
        // (`Delegate::poll_step`, which refuses nothing here: a close reaches a suspended body
        // through `gate`), not a copy of its own: a generator that is only ever delegated to
        // then has one call of its body's poll in the program, which LLVM inlines (a tree
        // walk with generators nested by value: 158 -> 143 instructions per key, callgrind).
        match Delegate::poll_step(this, Some(Input::Close), &mut cx) {
            Poll::Ready(Step::Yielded(_)) => unraisable::report(UnraisableKind::IgnoredClose),
            Poll::Ready(Step::Raised(_)) => {
                unraisable::report(UnraisableKind::RaisedWhileClosing);
            }
            // The close handler awaits: nothing can drive it from `Drop`. Its destructors run
            // when the body is dropped next.
            Poll::Pending => unraisable::report(UnraisableKind::AwaitedWhileClosing),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use core::mem::size_of;

    use super::*;

    /// What a `Gen` adds to its body's future: the phase and the chain in one word, and the
    /// identity in another.
    fn overhead<Y, S, E, F: Future>(_: &Gen<Y, S, E, F>) -> usize {
        size_of::<Gen<Y, S, E, F>>() - size_of::<F>()
    }

    #[test]
    fn phase_identity_and_chain_take_16_bytes() {
        let counter = generator(async |mut co: Co<'_, u64>| {
            for i in 0..10 {
                co.yield_(i).await;
            }
        });
        assert_eq!(overhead(&counter), 16);
        let returns_a_value = generator(async |mut co: Co<'_, u8>| {
            co.yield_(1).await;
            [7u64; 4]
        });
        assert_eq!(overhead(&returns_a_value), 16);
    }

    /// A `yield_from` of a boxed generator of `u64`s: its chain link (16 bytes), the handle
    /// (16), the parked outcome (16), the `Co`'s key (8) and three flags. (Before the key moved
    /// into the delegation's padding and the parked outcome shed its own close flag: 80.)
    #[cfg(feature = "alloc")]
    #[test]
    fn a_delegation_of_a_boxed_generator_takes_64_bytes() {
        type Sub = crate::BoxGen<'static, u64>;
        type Delegating = crate::YieldFrom<'static, Sub, u64, (), core::convert::Infallible>;
        assert_eq!(size_of::<Delegating>(), 64);
    }

    /// The largest alignment that the usual 64-bit allocators (glibc's `malloc`, among others)
    /// serve from their plain path; `System` sends larger ones through `posix_memalign`.
    const PLAIN_MALLOC_ALIGN: usize = 16;

    fn align_of_gen<Y, S, E, F: Future>(_: &Gen<Y, S, E, F>) -> usize {
        core::mem::align_of::<Gen<Y, S, E, F>>()
    }

    fn marked_for_close_on_drop<Y, S, E, F: Future>(_: &Gen<Y, S, E, F>) -> bool {
        may_need_close_on_drop::<F>()
    }

    #[test]
    fn delegating_and_catching_bodies_are_marked_but_not_over_aligned() {
        let delegating = generator(async |mut co: Co<'_, u64>| {
            co.yield_from(generator(async |mut co: Co<'_, u64>| co.yield_(1).await))
                .await;
        });
        let catching = generator(async |mut co: Co<'_, u64>| {
            let _ = co.yield_(1).catch().await;
        });
        // Marked: their drop may need Python's close, and `Drop` knows it from the type.
        assert!(marked_for_close_on_drop(&delegating));
        assert!(marked_for_close_on_drop(&catching));
        // Not over-aligned: a boxed one is one plain `malloc`, not a `posix_memalign` (which
        // took more than half the instructions of a boxed tree walk when the marker was 32).
        assert!(align_of_gen(&delegating) <= PLAIN_MALLOC_ALIGN);
        assert!(align_of_gen(&catching) <= PLAIN_MALLOC_ALIGN);
    }
}
