//! The handle a body yields through, and the futures its methods return.

use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::airlock::{Airlock, HeldKey, Key, Outgoing, outer_waker};
use crate::chain::{Chain, Link, LinkStep};
use crate::delegate::{Delegate, IterDelegate, StreamDelegate};
use crate::state::Suspension;
use crate::step::{Input, Step};

/// An interrupt delivered at a suspended `yield`: what Python raises there with `throw(e)`
/// and `close()`.
///
/// Only bodies that ask for interrupts see them, through [`Yield::catch`] and
/// [`YieldFrom::catch`]; at a plain `co.yield_(v).await` a throw or close propagates at once
/// (the body is dropped, so its destructors run as its `finally` blocks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interrupt<E> {
    /// `throw(e)`: an error raised at the yield.
    Throw(E),
    /// `close()`: Python's `GeneratorExit`. A body that sees it should clean up and return
    /// (the return value becomes `close()`'s result) or re-raise it with [`Co::raise`]; a body
    /// that yields instead has "ignored the close request".
    Close,
}

/// The yield handle of a generator body: Python's `yield` and `yield from`.
///
/// A body receives its `Co` as the argument of the async closure given to
/// [`generator`](crate::generator) or [`coroutine`](crate::coroutine). Type parameters mirror
/// Python's `Generator[YieldType, SendType, ReturnType]`: `Y` is what the body yields, `S` what
/// a `yield` evaluates to (what `send` puts in), `E` the error type `throw` raises in it.
///
/// The lifetime `'b` is a brand: the body is called for *every* `'b`, so it cannot store its
/// `Co` anywhere that outlives the body. Together with a run-time identity check, this is what
/// makes every misuse of a handle a compile error or a clear panic, never undefined behaviour:
///
/// ```compile_fail
/// // A handle cannot escape its body (it would outlive its generator).
/// let mut stash = None;
/// let g = cogen::generator(async |co: cogen::Co<'_, u32>| {
///     stash = Some(co);
/// });
/// ```
///
/// ```compile_fail
/// // Two yields cannot be in flight at once: each borrows the handle mutably.
/// let g = cogen::generator(async |mut co: cogen::Co<'_, u32>| {
///     let a = co.yield_(1);
///     let b = co.yield_(2);
///     a.await;
///     b.await;
/// });
/// ```
///
/// ```compile_fail
/// // A handle is not `Sync`: it cannot be shared with another thread.
/// fn sync<T: Sync>(_: &T) {}
/// let g = cogen::generator(async |co: cogen::Co<'_, u32>| sync(&co));
/// ```
///
/// ```compile_fail
/// // `Co` is invariant in the yield type: a body of a generator of `&'static str` cannot
/// // yield a shorter-lived reference (async-stream #107).
/// fn make() -> cogen::BoxGen<'static, &'static str> {
///     cogen::generator(async |mut co: cogen::Co<'_, &'static str>| {
///         let local = String::from("short");
///         co.yield_(&local).await;
///     })
///     .boxed_dyn()
/// }
/// ```
pub struct Co<'b, Y, S = (), E = Infallible> {
    key: Key<Y, S, E>,
    // Invariant in `'b`: the body is generic over it, so a `Co` cannot be unified with any
    // lifetime outside the body.
    _brand: PhantomData<fn(&'b ()) -> &'b ()>,
}

impl<Y, S, E> fmt::Debug for Co<'_, Y, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Co").finish_non_exhaustive()
    }
}

impl<'b, Y, S, E> Co<'b, Y, S, E> {
    pub(crate) fn new(key: Key<Y, S, E>) -> Self {
        Co {
            key,
            _brand: PhantomData,
        }
    }

    /// Yields `value` to whoever resumed the generator; evaluates to the value sent in when it
    /// is resumed (Python's `x = yield value`).
    ///
    /// A throw or close that arrives while suspended here is not seen by the body: the body is
    /// dropped, its destructors run innermost first, and the throw's error goes back to the
    /// thrower. Use [`Yield::catch`] to handle them.
    ///
    /// # Panics
    ///
    /// When awaited outside its own generator's body (in another generator's body, or under
    /// an executor), or after a second yield was started in the same resume by polling
    /// futures by hand.
    ///
    /// # Examples
    ///
    /// ```
    /// let g = cogen::pin!(cogen::generator(async |mut co| {
    ///     co.yield_("a").await;
    ///     co.yield_("b").await;
    /// }));
    /// assert_eq!(g.collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    #[inline]
    pub fn yield_(&mut self, value: Y) -> Yield<'_, Y, S, E> {
        Yield {
            key: HeldKey::new(&mut self.key),
            value: Some(value),
        }
    }

    /// Delegates to a sub-generator (Python's `yield from`): yields everything it yields,
    /// forwards every sent value, throw and close to it, and evaluates to its return value.
    ///
    /// A throw the sub-generator does not handle is raised here; at a plain
    /// `co.yield_from(g).await` it propagates further (the body is dropped and the error goes
    /// back to the thrower). Use [`YieldFrom::catch`] to handle it here. On close, the
    /// sub-generator is closed first, then this body.
    ///
    /// The sub-generator can be a generator by value (it is pinned inside the delegation, no
    /// allocation), a [`Pinned`](crate::Pinned) or a [`Boxed`](crate::Boxed) handle, or any type
    /// implementing [`Delegate`].
    ///
    /// Delegating by value nests the sub-generator's type in this one's, and rustc computes the
    /// layout of such a nest recursively: in optimised builds a nest of generator *types* more
    /// than ten deep (a depth-indexed type, say, each level delegating by value to the next)
    /// stops the build with "queries overflow the depth limit" unless the crate raises
    /// `#![recursion_limit]` (rustc 1.95: ten levels build with the default of 128, eleven
    /// need about 140, sixteen about 195, twenty-two about 270). Recursion over data, where the
    /// depth is not known to the type, delegates to [`BoxGen`](crate::BoxGen)s instead.
    ///
    /// # Panics
    ///
    /// As [`yield_`](Co::yield_); also if the sub-generator had already started (its suspended
    /// `yield` would need a value, which Python's `next()` fakes with `None`), or had already
    /// finished and its return value was taken (Python evaluates to `None` there).
    ///
    /// # Examples
    ///
    /// ```
    /// use cogen::{Co, generator};
    ///
    /// let g = cogen::pin!(generator(async |mut co| {
    ///     let sub = generator(async |mut co: Co<'_, i32>| {
    ///         co.yield_(1).await;
    ///         co.yield_(2).await;
    ///         "sub done"
    ///     });
    ///     let r = co.yield_from(sub).await;
    ///     assert_eq!(r, "sub done");
    ///     co.yield_(3).await;
    /// }));
    /// assert_eq!(g.collect::<Vec<_>>(), [1, 2, 3]);
    /// ```
    #[inline]
    pub fn yield_from<G>(&mut self, sub: G) -> YieldFrom<'_, G, Y, S, E>
    where
        G: Delegate<Yield = Y, Resume = S, Error = E>,
    {
        YieldFrom {
            delegation: Delegation::new(sub, self.key),
            _co: PhantomData,
        }
    }

    /// Raises an interrupt out of the body (Python's `raise` inside a handler): a
    /// `Throw(e)` makes the current resume report [`Step::Raised(e)`](Step::Raised), a
    /// `Close` ends the generator as a propagated close request (`close()` then succeeds with
    /// no value). The body is dropped; the returned future never completes.
    ///
    /// A `Close` raised when no close was asked for (Python's `raise GeneratorExit` outside a
    /// close) ends the generator as well, and the resume reports [`Step::Exhausted`]: there is
    /// no error value to stand for `GeneratorExit`, which Python raises out of `next()`. In a
    /// sub-generator, it is raised in the delegating body at its `yield_from`, as Python raises
    /// `GeneratorExit` there: a [`catch`](YieldFrom::catch)ing delegation evaluates to
    /// `Err(Interrupt::Close)`, a plain one passes it on, still with no close asked. (A
    /// `Generator` implemented by hand around the sub-generator does not pass on the mark this
    /// leaves: its delegator then panics, as for a sub-generator that had finished before.)
    ///
    /// # Examples
    ///
    /// ```
    /// use cogen::{Co, Interrupt, Step, coroutine};
    ///
    /// let g = cogen::pin!(coroutine(async |mut co: Co<'_, u32, (), String>| {
    ///     match co.yield_(1).catch().await {
    ///         Err(Interrupt::Throw(e)) if e == "retry" => co.yield_(2).await,
    ///         Err(other) => co.raise(other).await, // re-raise anything else
    ///         Ok(()) => {}
    ///     }
    /// }));
    /// assert_eq!(g.start(), Step::Yielded(1));
    /// assert_eq!(g.throw("boom".to_string()), Step::Raised("boom".to_string()));
    /// ```
    pub fn raise<T>(&mut self, interrupt: Interrupt<E>) -> Raise<'_, Y, S, E, T> {
        Raise {
            key: HeldKey::new(&mut self.key),
            interrupt: Some(interrupt),
            _out: PhantomData,
        }
    }
}

impl<Y, E> Co<'_, Y, (), E> {
    /// Delegates to any iterable (Python's `yield from iterable`): yields every item, and
    /// evaluates to `()` when it is exhausted.
    ///
    /// An iterator has no `throw` or `close`: a throw is raised directly in this body and the
    /// iterator is just dropped, as PEP 380 says. Iterators cannot receive values, so this is
    /// only available to generators whose resume type is `()` (Python would raise
    /// `AttributeError` on `send`).
    ///
    /// # Examples
    ///
    /// ```
    /// let g = cogen::pin!(cogen::generator(async |mut co| {
    ///     co.yield_from_iter(0..3).await;
    ///     co.yield_from_iter(vec![10, 20]).await;
    /// }));
    /// assert_eq!(g.collect::<Vec<_>>(), [0, 1, 2, 10, 20]);
    /// ```
    #[inline]
    pub fn yield_from_iter<I>(
        &mut self,
        iter: I,
    ) -> YieldFrom<'_, IterDelegate<I::IntoIter, E>, Y, (), E>
    where
        I: IntoIterator<Item = Y>,
    {
        self.yield_from(IterDelegate::new(iter.into_iter()))
    }

    /// Delegates to a [`Stream`](futures_core::Stream) (an async `yield from`): yields every
    /// item, waiting for each on the executor that drives this generator, and evaluates to
    /// `()` when the stream ends. Like an iterator, a stream has no `throw` or `close`.
    ///
    /// # Panics
    ///
    /// In a generator resumed synchronously, if the stream is not ready.
    #[inline]
    pub fn yield_from_stream<St>(
        &mut self,
        stream: St,
    ) -> YieldFrom<'_, StreamDelegate<St, E>, Y, (), E>
    where
        St: futures_core::Stream<Item = Y>,
    {
        self.yield_from(StreamDelegate::new(stream))
    }
}

/// Stores a yielded value in the airlock.
///
/// # Safety
///
/// `airlock` must come from [`Key::airlock`] in the current poll.
#[inline]
unsafe fn put<Y, S, E>(airlock: *mut Airlock<Y, S, E>, outgoing: Outgoing<Y, E>) {
    // SAFETY: per the caller, `airlock` is this poll's live airlock; nothing else borrows it
    // during the poll (`Phase` invariant 4), and we hold no other reference into it.
    let slot = unsafe { &mut (*airlock).outgoing };
    if !matches!(slot, Outgoing::Empty) {
        two_yields()
    }
    *slot = outgoing;
}

/// Takes the resume's input from the airlock.
///
/// # Safety
///
/// As [`put`].
#[inline]
unsafe fn take<Y, S, E>(airlock: *mut Airlock<Y, S, E>) -> Option<Input<S, E>> {
    // SAFETY: as in `put`.
    unsafe { (*airlock).incoming.take() }
}

/// Records that a close request reached the body in this poll (see `Airlock::closing`).
///
/// # Safety
///
/// As [`put`].
#[inline]
unsafe fn mark_closing<Y, S, E>(airlock: *mut Airlock<Y, S, E>) {
    // SAFETY: as in `put`.
    unsafe { (*airlock).closing = true };
}

#[cold]
#[inline(never)]
fn two_yields() -> ! {
    panic!("a cogen generator body suspended twice in one resume: only one yield can be in flight")
}

#[cold]
#[inline(never)]
fn polled_out_of_turn() -> ! {
    panic!("a cogen yield future was polled again before its generator was resumed")
}

/// A marker held by the futures at which a body can be suspended in a way that needs Python's
/// drop-time close: a catching yield, a delegation.
///
/// Its only job is its alignment: every body that can suspend there has an alignment of at
/// least [`CLOSE_ON_DROP_ALIGN`], so `Gen`'s `Drop` can tell *at compile time* that the other
/// bodies never need the close (see [`may_need_close_on_drop`]).
#[repr(align(16))]
pub(crate) struct CloseOnDrop;

/// The alignment of [`CloseOnDrop`]: above that of most locals (8), and no larger than what
/// the usual 64-bit allocators serve from their plain path (glibc's `malloc` aligns to 16;
/// `System` sends larger alignments through `posix_memalign`). With 32, every boxed delegating
/// generator went through `posix_memalign`: more than half the instructions of a boxed tree
/// walk. A body that holds a 16-aligned local (`u128`, SIMD) pays only the run-time check.
pub(crate) const CLOSE_ON_DROP_ALIGN: usize = 16;

const _: () = assert!(core::mem::align_of::<CloseOnDrop>() == CLOSE_ON_DROP_ALIGN);

/// Whether a body of type `F` may ever be suspended at a catching yield or a delegation, as far
/// as its type tells: `false` is certain (the body does not hold a [`CloseOnDrop`] across any
/// await, unless hidden behind a pointer, which `Gen` refuses at the suspension), `true` may be
/// a false alarm (an over-aligned local), which only costs the run-time phase check.
#[inline(always)]
pub(crate) const fn may_need_close_on_drop<F>() -> bool {
    core::mem::align_of::<F>() >= CLOSE_ON_DROP_ALIGN
}

/// The future of [`Co::yield_`]: evaluates to the value sent in.
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'c, Y, S, E> {
    // Holds the `Co` mutably borrowed (two yields cannot be in flight at once, and the future
    // is `Send` exactly when the handle is) without pointing into the body.
    key: HeldKey<'c, Y, S, E>,
    value: Option<Y>,
}

impl<Y, S, E> fmt::Debug for Yield<'_, Y, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yield")
            .field("pending", &self.value.is_some())
            .finish()
    }
}

// No field is structurally pinned: the value is moved out on the first poll.
impl<Y, S, E> Unpin for Yield<'_, Y, S, E> {}

impl<'c, Y, S, E> Yield<'c, Y, S, E> {
    /// Lets the body see a throw or close that arrives while suspended here: the yield
    /// evaluates to `Err(interrupt)` instead of propagating it (Python's
    /// `try: x = yield v` / `except E:` / `except GeneratorExit:`).
    ///
    /// # Examples
    ///
    /// ```
    /// use cogen::{Co, Interrupt, Step, coroutine};
    ///
    /// let g = cogen::pin!(coroutine(async |mut co: Co<'_, &str, (), String>| {
    ///     loop {
    ///         match co.yield_("ready").catch().await {
    ///             Ok(()) => {}
    ///             Err(Interrupt::Throw(e)) => co.yield_("handled").await,
    ///             Err(Interrupt::Close) => return "cleaned up",
    ///         }
    ///     }
    /// }));
    /// assert_eq!(g.start(), Step::Yielded("ready"));
    /// assert_eq!(g.throw("oops".into()), Step::Yielded("handled"));
    /// assert_eq!(g.send(()), Step::Yielded("ready"));
    /// assert_eq!(g.close(), Ok(Some("cleaned up"))); // Python 3.13's close() value
    /// ```
    pub fn catch(self) -> YieldCatch<'c, Y, S, E> {
        YieldCatch {
            key: self.key,
            value: self.value,
            _close_on_drop: CloseOnDrop,
        }
    }
}

impl<Y, S, E> Future for Yield<'_, Y, S, E> {
    type Output = S;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S> {
        // The value first, then the identity check: a new and a resumed yield future are
        // polled from one call site, and with this test first the compiler resolves it on the
        // new future's path and hands the value over in a register (ARCHITECTURE.md, "Staying
        // in registers").
        let value = self.value.take();
        let airlock = self.key.airlock(cx.waker());
        let outgoing = match value {
            Some(value) => Outgoing::Yield(value, Suspension::Plain),
            // SAFETY: `airlock` is from `Key::airlock` in this poll.
            None => match unsafe { take(airlock) } {
                Some(Input::Send(s)) => return Poll::Ready(s),
                // Normally the generator drops a body suspended at a plain yield instead of
                // polling it with an interrupt; a yield future kept alive by hand across
                // resumes can still meet one, and propagates it as a plain yield should.
                Some(Input::Throw(e)) => {
                    crate::cold_path();
                    Outgoing::Raise(e)
                }
                Some(Input::Close) => {
                    crate::cold_path();
                    Outgoing::Exit
                }
                Some(Input::Start) | None => polled_out_of_turn(),
            },
        };
        // One `put` for every way out: a smaller body's poll, which the compiler inlines into
        // the resume more readily.
        // SAFETY: as above.
        unsafe { put(airlock, outgoing) };
        Poll::Pending
    }
}

/// The future of [`Yield::catch`]: evaluates to the sent value, or to the interrupt that
/// arrived while suspended.
#[must_use = "a yield does nothing unless awaited"]
pub struct YieldCatch<'c, Y, S, E> {
    key: HeldKey<'c, Y, S, E>,
    value: Option<Y>,
    _close_on_drop: CloseOnDrop,
}

impl<Y, S, E> fmt::Debug for YieldCatch<'_, Y, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldCatch")
            .field("pending", &self.value.is_some())
            .finish()
    }
}

// No field is structurally pinned: the value is moved out on the first poll.
impl<Y, S, E> Unpin for YieldCatch<'_, Y, S, E> {}

impl<Y, S, E> Future for YieldCatch<'_, Y, S, E> {
    type Output = Result<S, Interrupt<E>>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The value first, as in `Yield::poll`.
        let value = self.value.take();
        let airlock = self.key.airlock(cx.waker());
        if let Some(value) = value {
            // SAFETY: `airlock` is from `Key::airlock` in this poll.
            unsafe { put(airlock, Outgoing::Yield(value, Suspension::Catching)) };
            return Poll::Pending;
        }
        // SAFETY: as above.
        match unsafe { take(airlock) } {
            Some(Input::Send(s)) => Poll::Ready(Ok(s)),
            Some(Input::Throw(e)) => Poll::Ready(Err(Interrupt::Throw(e))),
            Some(Input::Close) => {
                // SAFETY: as above.
                unsafe { mark_closing(airlock) };
                Poll::Ready(Err(Interrupt::Close))
            }
            Some(Input::Start) | None => polled_out_of_turn(),
        }
    }
}

/// The future of [`Co::raise`]: never completes; the generator ends with the interrupt.
#[must_use = "a raise does nothing unless awaited"]
pub struct Raise<'c, Y, S, E, T> {
    key: HeldKey<'c, Y, S, E>,
    interrupt: Option<Interrupt<E>>,
    _out: PhantomData<fn() -> T>,
}

impl<Y, S, E, T> fmt::Debug for Raise<'_, Y, S, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Raise").finish_non_exhaustive()
    }
}

// No field is structurally pinned.
impl<Y, S, E, T> Unpin for Raise<'_, Y, S, E, T> {}

impl<Y, S, E, T> Future for Raise<'_, Y, S, E, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let airlock = self.key.airlock(cx.waker());
        let outgoing = match self.interrupt.take() {
            Some(Interrupt::Throw(e)) => Outgoing::Raise(e),
            Some(Interrupt::Close) => Outgoing::Exit,
            None => polled_out_of_turn(),
        };
        // SAFETY: `airlock` is from `Key::airlock` in this poll.
        unsafe { put(airlock, outgoing) };
        Poll::Pending
    }
}

/// The future of [`Co::yield_from`]: evaluates to the sub-generator's return value.
#[must_use = "a delegation does nothing unless awaited"]
// `repr(C)`: `delegation` (whose first field is its `Link`) is at offset 0, see `chain.rs`.
#[repr(C)]
pub struct YieldFrom<'c, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    delegation: Delegation<G, Y, S, E>,
    // Holds the `Co` mutably borrowed, as `HeldKey` does; the copy of its key is inside the
    // delegation, where it fits in what would otherwise be padding.
    _co: PhantomData<&'c mut Key<Y, S, E>>,
}

/// The state of one `yield_from`: a node of the delegation chain (see `chain.rs`).
#[repr(C)]
pub(crate) struct Delegation<G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    // First field: a pointer to the `Link` is a pointer to the `Delegation`.
    link: Link<Y, S, E>,
    // Structurally pinned: a generator given by value is resumed in place.
    sub: G,
    // What the sub-generator did when it was stepped through the chain without polling this
    // body (whether that step was a close is in `closing`): the body's next poll takes it.
    parked: Option<Step<Y, G::Return, E>>,
    // The key of the `Co` that made this delegation (see `YieldFrom::_co`).
    key: Key<Y, S, E>,
    started: bool,
    // The sub-generator is waiting on a foreign future: the next poll continues it.
    awaiting: bool,
    // ... and that wait is part of closing it; or the parked step was part of a close.
    closing: bool,
    _close_on_drop: CloseOnDrop,
}

impl<G, Y, S, E> fmt::Debug for YieldFrom<'_, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldFrom")
            .field("started", &self.delegation.started)
            .finish_non_exhaustive()
    }
}

impl<G, Y, S, E> Delegation<G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    fn new(sub: G, key: Key<Y, S, E>) -> Self {
        Delegation {
            link: Link::new(step_link::<G, Y, S, E>),
            sub,
            parked: None,
            key,
            started: false,
            awaiting: false,
            closing: false,
            _close_on_drop: CloseOnDrop,
        }
    }
}

/// Links the sub-generator that just yielded below `delegation`, and returns the innermost
/// link of the chain: the sub's own innermost link if it is delegating too, else this one.
///
/// # Safety
///
/// `delegation` is valid and pinned, and no reference into it is live. Every later access to
/// the returned link and to `delegation` through the chain must derive from this pointer.
unsafe fn link_sub<G, Y, S, E>(
    delegation: NonNull<Delegation<G, Y, S, E>>,
) -> NonNull<Link<Y, S, E>>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    let me = delegation.cast::<Link<Y, S, E>>();
    // SAFETY: per the caller; `sub` is structurally pinned.
    let sub = unsafe { Pin::new_unchecked(&mut (*delegation.as_ptr()).sub) };
    match sub.take_chain() {
        Some(chain) => {
            // SAFETY: the sub just yielded from its own delegation, so its chain's links are
            // live and pinned inside it (chain invariant 1); `parent` is a `Cell`.
            unsafe { chain.outermost().as_ref() }.parent.set(Some(me));
            chain.innermost
        }
        None => me,
    }
}

/// [`Link::step`] for a `Delegation<G, Y, S, E>`.
///
/// # Safety
///
/// `link` is the `link` of a live, pinned `Delegation<G, Y, S, E>` registered in a chain, and
/// nothing else accesses that delegation during the call (chain invariants 1 and 2).
unsafe fn step_link<G, Y, S, E>(
    link: NonNull<Link<Y, S, E>>,
    input: Option<Input<S, E>>,
    closing: bool,
    cx: &mut Context<'_>,
) -> Poll<LinkStep<Y, S, E>>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    let delegation = link.cast::<Delegation<G, Y, S, E>>();
    // SAFETY: per the caller; `Delegation` is `repr(C)` with `link` first, so the pointer to
    // the link is a pointer to the delegation, with its provenance (`link_sub` made it from a
    // pointer to the whole delegation).
    let this = unsafe { &mut *delegation.as_ptr() };
    if this.parked.is_some() {
        return Poll::Ready(LinkStep::Finished);
    }
    let closing = closing || (this.awaiting && this.closing);
    // SAFETY: `sub` is structurally pinned.
    let sub = unsafe { Pin::new_unchecked(&mut this.sub) };
    match sub.poll_step(input, cx) {
        Poll::Pending => {
            this.awaiting = true;
            this.closing = closing;
            Poll::Pending
        }
        Poll::Ready(Step::Yielded(y)) if !closing => {
            this.awaiting = false;
            // SAFETY: per the caller; `this` is not used after this point.
            Poll::Ready(LinkStep::Yielded(y, unsafe { link_sub(delegation) }))
        }
        Poll::Ready(step) => {
            this.awaiting = false;
            this.closing = closing;
            this.parked = Some(step);
            Poll::Ready(LinkStep::Finished)
        }
    }
}

impl<'c, G, Y, S, E> YieldFrom<'c, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    /// Lets the body see an interrupt that the sub-generator did not absorb: the delegation
    /// evaluates to `Err(interrupt)` at this point instead of propagating it (Python's
    /// `try: r = yield from g` / `except E:`).
    pub fn catch(self) -> YieldFromCatch<'c, G, Y, S, E> {
        YieldFromCatch { inner: self }
    }

    /// One step of PEP 380's expansion. With `catch`, an interrupt that reaches this body is
    /// returned; without, it is re-raised out of the body.
    ///
    /// Inlined into the delegating body's poll, as `YieldFrom::poll` is: a body with two
    /// `yield_from`s of one type otherwise calls one out-of-line copy, a call per step of a
    /// delegation (28 instructions per key of a tree walk by value, callgrind, depth 18).
    #[inline(always)]
    fn poll_delegate(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        catch: bool,
    ) -> Poll<Result<G::Return, Interrupt<E>>> {
        // SAFETY: `delegation.sub` is structurally pinned: it is never moved out of `self`,
        // `YieldFrom` has no `Drop` impl and no manual `Unpin` impl, so it is `!Unpin`
        // whenever `G` is. The other fields are not pinned and are only read or overwritten.
        let this = unsafe { self.get_unchecked_mut() };
        let airlock = this.delegation.key.airlock(cx.waker());
        // Every access to the delegation goes through this pointer, which a chain may keep
        // (see `link_sub`).
        let delegation = NonNull::from(&mut this.delegation);
        // SAFETY: just made from `&mut`; only used through this pointer below.
        let d = unsafe { &mut *delegation.as_ptr() };
        // SAFETY: `airlock` is from `Key::airlock` in this poll.
        let incoming = unsafe { take(airlock) };
        let (step, closing) = if let Some(parked) = d.parked.take() {
            // The chain stepped the sub while this body was not polled.
            (parked, d.closing)
        } else {
            let input = if d.awaiting {
                // Continue the sub's wait, or interrupt it with a throw or close.
                match incoming {
                    None => None,
                    Some(input @ (Input::Throw(_) | Input::Close)) => Some(input),
                    Some(Input::Start | Input::Send(_)) => polled_out_of_turn(),
                }
            } else if d.started {
                match incoming {
                    Some(Input::Start) | None => polled_out_of_turn(),
                    Some(input) => Some(input),
                }
            } else {
                d.started = true;
                Some(Input::Start) // `_y = next(_i)`: the initial next goes straight to the sub
            };
            let closing = matches!(input, Some(Input::Close)) || (d.awaiting && d.closing);
            // SAFETY: `sub` is structurally pinned.
            let sub = unsafe { Pin::new_unchecked(&mut d.sub) };
            // The sub is polled with the waker of whoever polls this generator, as a chain
            // steps it, not with this body's airlock waker: that waker would only forward to
            // it, and handing it to the sub's out-of-line resume makes LLVM reload it, and
            // this generator's identity, for every later check in this poll.
            // SAFETY: `airlock` is this poll's live airlock (from `Key::airlock`).
            let mut sub_cx = Context::from_waker(unsafe { outer_waker(airlock) });
            let Poll::Ready(step) = sub.poll_step(input, &mut sub_cx) else {
                // The sub awaits a foreign future: so does this body.
                d.awaiting = true;
                d.closing = closing;
                // SAFETY: as above.
                unsafe { put(airlock, Outgoing::SubWaiting) };
                return Poll::Pending;
            };
            d.awaiting = false;
            (step, closing)
        };
        // The two common outcomes first, each with a test of its own: in a `match` of all of
        // them LLVM jumps through a table, an indirect branch per step of a delegation.
        let step = match step {
            Step::Yielded(y) if !closing => {
                d.link.parent.set(None);
                // SAFETY: `delegation` is pinned inside the body; `d` is not used again.
                let innermost = unsafe { link_sub(delegation) };
                // SAFETY: as above.
                unsafe {
                    put(airlock, Outgoing::Yield(y, Suspension::Delegating));
                    (*airlock).chain = Some(Chain { innermost });
                }
                return Poll::Pending;
            }
            step => step,
        };
        let step = match step {
            Step::Complete(r) if !closing => return Poll::Ready(Ok(r)),
            step => step,
        };
        crate::cold_path();
        let interrupt = match step {
            Step::Yielded(y) => {
                // The sub yielded in response to close: PEP 380 passes the RuntimeError
                // through this body, which ends closed.
                // SAFETY: as above.
                unsafe { put(airlock, Outgoing::SubIgnoredClose(y)) };
                return Poll::Pending;
            }
            // `_m(); raise _e`: even if the sub returned while closing, GeneratorExit is
            // raised here regardless (a return reaches this `match` only while closing).
            Step::Complete(_) | Step::Exhausted if closing => {
                // SAFETY: as above.
                unsafe { mark_closing(airlock) };
                Interrupt::Close
            }
            Step::Raised(e) => Interrupt::Throw(e),
            // The sub raised the close request when none was asked of it (Python's `raise
            // GeneratorExit`): it propagates out of the sub's `next()` and is raised here,
            // still with no close asked of this generator.
            // SAFETY: `sub` is structurally pinned.
            Step::Exhausted if unsafe { Pin::new_unchecked(&mut d.sub) }.take_exited() => {
                Interrupt::Close
            }
            Step::Complete(_) | Step::Exhausted => delegate_exhausted(),
        };
        if catch {
            return Poll::Ready(Err(interrupt));
        }
        let outgoing = match interrupt {
            Interrupt::Throw(e) => Outgoing::Raise(e),
            Interrupt::Close => Outgoing::Exit,
        };
        // SAFETY: as above.
        unsafe { put(airlock, outgoing) };
        Poll::Pending
    }
}

#[cold]
#[inline(never)]
fn delegate_exhausted() -> ! {
    panic!(
        "`yield_from` a generator that had already finished: its return value was taken \
         (Python's `yield from` evaluates to None here; cogen has no value to give)"
    )
}

impl<G, Y, S, E> Future for YieldFrom<'_, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    type Output = G::Return;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G::Return> {
        match self.poll_delegate(cx, false) {
            Poll::Ready(Ok(r)) => Poll::Ready(r),
            // A plain delegation re-raised the interrupt out of the body.
            Poll::Ready(Err(_)) | Poll::Pending => Poll::Pending,
        }
    }
}

/// The future of [`YieldFrom::catch`]: evaluates to the sub-generator's return value, or to
/// the interrupt that reached this body.
#[must_use = "a delegation does nothing unless awaited"]
pub struct YieldFromCatch<'c, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    inner: YieldFrom<'c, G, Y, S, E>,
}

impl<G, Y, S, E> fmt::Debug for YieldFromCatch<'_, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldFromCatch")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<G, Y, S, E> Future for YieldFromCatch<'_, G, Y, S, E>
where
    G: Delegate<Yield = Y, Resume = S, Error = E>,
{
    type Output = Result<G::Return, Interrupt<E>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned (never moved out; no `Drop` or `Unpin` impl).
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        inner.poll_delegate(cx, true)
    }
}
