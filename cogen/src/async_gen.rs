//! Async generators (PEP 525): bodies that both `.await` and `yield`, consumed as a `Stream`
//! or driven with `asend`/`athrow`/`aclose`.

use core::cell::Cell;
use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use crate::airlock::IdentitySlot;
use crate::co::Co;
use crate::generator::{Gen, Generator, coroutine, coroutine_in};
use crate::state::GenState;
use crate::step::{CloseError, Input, ResumeError, Step};

/// Makes an async generator: a body that can `.await` any future and `yield` through its
/// [`Co`] with the same methods as a sync generator. No body code runs until it is first
/// polled.
///
/// It is a [`Stream`] (and [`FusedStream`]) of what it yields; the body's return value is kept
/// for [`take_return`](AsyncGen::take_return).
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// let ticks = cogen::async_generator(async |mut co| {
///     for i in 0..3 {
///         // any future can be awaited: it suspends the task, not the consumer
///         std::future::ready(()).await;
///         co.yield_(i).await;
///     }
/// });
/// let ticks: Vec<u32> = futures::executor::block_on(ticks.collect());
/// assert_eq!(ticks, [0, 1, 2]);
/// ```
pub fn async_generator<Y, R, B>(body: B) -> AsyncGen<Y, (), Infallible, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y>) -> R,
{
    async_coroutine(body)
}

/// Makes an async generator that receives values (`asend`) and errors (`athrow`); annotate the
/// closure's argument as `Co<'_, Yield, Send, Error>`.
///
/// # Examples
///
/// ```
/// use cogen::{Co, Step, async_coroutine};
///
/// futures::executor::block_on(async {
///     let echo = std::pin::pin!(async_coroutine(async |mut co: Co<'_, String, Option<String>>| {
///         let mut last = String::from("ready");
///         loop {
///             if let Some(message) = co.yield_(last.clone()).await {
///                 last = message.to_uppercase();
///             }
///         }
///     }));
///     let echo = echo.into_ref();
///     assert_eq!(echo.anext().await, Ok(Step::Yielded("ready".to_string())));
///     assert_eq!(echo.asend(Some("hi".into())).await, Ok(Step::Yielded("HI".to_string())));
///     assert_eq!(echo.aclose().await, Ok(None));
/// });
/// ```
pub fn async_coroutine<Y, S, E, R, B>(body: B) -> AsyncGen<Y, S, E, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y, S, E>) -> R,
{
    AsyncGen {
        generator: coroutine(body),
        operation: Cell::new(Operation::default()),
    }
}

/// [`async_generator`] whose identity is the address of `slot` rather than a number from a
/// thread-local block, as [`generator_in`](crate::generator_in): it borrows `slot` for its whole
/// life.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// let mut slot = cogen::IdentitySlot::new();
/// let ticks = cogen::async_generator_in(&mut slot, async |mut co| {
///     co.yield_(1).await;
///     co.yield_(2).await;
/// });
/// assert_eq!(futures::executor::block_on(ticks.collect::<Vec<u32>>()), [1, 2]);
/// ```
pub fn async_generator_in<'s, Y, R, B>(
    slot: &'s mut IdentitySlot,
    body: B,
) -> AsyncGen<Y, (), Infallible, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y>) -> R,
{
    async_coroutine_in(slot, body)
}

/// [`async_coroutine`] whose identity is the address of `slot`, as
/// [`generator_in`](crate::generator_in).
pub fn async_coroutine_in<'s, Y, S, E, R, B>(
    slot: &'s mut IdentitySlot,
    body: B,
) -> AsyncGen<Y, S, E, impl Future<Output = R>>
where
    B: for<'b> AsyncFnOnce(Co<'b, Y, S, E>) -> R,
{
    AsyncGen {
        generator: coroutine_in(slot, body),
        operation: Cell::new(Operation::default()),
    }
}

/// Which operation (`anext`/`asend`/`athrow`/`aclose` future) is in flight while the body
/// waits on a foreign future.
#[derive(Debug, Clone, Copy, Default)]
struct Operation {
    /// Serial number of the operation in flight; 0 for `Stream::poll_next`.
    id: u32,
    /// Serial number the next operation future takes.
    next_id: u32,
    /// The future of the operation in flight was dropped before it finished (cancelled): the
    /// next `anext`/`poll_next` adopts the wait.
    orphaned: bool,
}

/// An async generator made by [`async_generator`] or [`async_coroutine`] (PEP 525).
///
/// Consume it as a [`Stream`], or drive it with [`anext`](AsyncGen::anext),
/// [`asend`](AsyncGen::asend), [`athrow`](AsyncGen::athrow) and [`aclose`](AsyncGen::aclose),
/// which take `Pin<&Self>` (pin it with `std::pin::pin!` or `Box::pin`, then `.as_ref()`).
///
/// Those four borrow the generator shared, as Python's do: while one waits, the state can be
/// read (`Running`, Python's `ag_running`) and a second operation is refused at run time. The
/// price is that their futures are never `Send` (`AsyncGen` is not `Sync`). In a task that
/// must be `Send` (tokio's multi-thread runtime), use [`anext_mut`](AsyncGen::anext_mut),
/// [`asend_mut`](AsyncGen::asend_mut), [`athrow_mut`](AsyncGen::athrow_mut) and
/// [`aclose_mut`](AsyncGen::aclose_mut): the same operations through `Pin<&mut Self>`, `Send`
/// when the generator is, with a second operation refused at compile time instead.
///
/// Dropping it runs its destructors, which cannot `.await`: cleanup that needs to await must
/// run through `aclose().await` before the drop (see [`aclosing`]).
#[must_use = "async generators are lazy and do nothing unless polled"]
pub struct AsyncGen<Y, S, E, F: Future> {
    generator: Gen<Y, S, E, F>,
    operation: Cell<Operation>,
}

impl<Y, S, E, F: Future> fmt::Debug for AsyncGen<Y, S, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncGen")
            .field("state", &self.generator.state())
            .field("delegating", &self.generator.is_delegating())
            .finish()
    }
}

impl<Y, S, E, F: Future> AsyncGen<Y, S, E, F> {
    fn generator(self: Pin<&Self>) -> Pin<&Gen<Y, S, E, F>> {
        // SAFETY: `generator` is structurally pinned: `AsyncGen` never moves it out, has no
        // `Drop` impl, and is `!Unpin` whenever `Gen` is.
        unsafe { self.map_unchecked(|this| &this.generator) }
    }

    fn generator_mut(self: Pin<&mut Self>) -> Pin<&mut Gen<Y, S, E, F>> {
        // SAFETY: as in `generator`: the field is structurally pinned.
        unsafe { self.map_unchecked_mut(|this| &mut this.generator) }
    }

    /// The state (Python's `inspect.getasyncgenstate`): `Running` also while an operation
    /// waits on a future the body awaits (`ag_running`).
    pub fn state(&self) -> GenState {
        self.generator.state()
    }

    /// Whether it is suspended inside a `yield_from` (`ag_yieldfrom` is not None... in spirit:
    /// Python's async generators cannot delegate, cogen's can).
    pub fn is_delegating(&self) -> bool {
        self.generator.is_delegating()
    }

    /// Takes the return value kept when the stream ended, once.
    pub fn take_return(self: Pin<&Self>) -> Option<F::Output> {
        self.generator().take_return()
    }

    /// Python's `anext(agen)` / `agen.__anext__()`: starts or resumes the generator with
    /// `S::default()` and evaluates to what it does next. If the previous operation's future
    /// was dropped while the body was waiting (cancelled, as by `select!`), `anext` adopts and
    /// finishes that wait.
    pub fn anext(self: Pin<&Self>) -> Op<'_, Y, S, E, F>
    where
        S: Default,
    {
        Op::new(self, Request::Next(S::default))
    }

    /// Python's `await agen.asend(value)`: `value` becomes the result of the suspended
    /// `yield`. Refused with [`ResumeError::JustStarted`] on a generator that has not started,
    /// and [`ResumeError::Running`] while another operation is in flight.
    pub fn asend(self: Pin<&Self>, value: S) -> Op<'_, Y, S, E, F> {
        Op::new(self, Request::Input(Input::Send(value)))
    }

    /// Python's `await agen.athrow(error)`: raises `error` at the suspended `yield` (see
    /// [`Pinned::throw`](crate::Pinned::throw)); the body's handler may await. Into a
    /// generator that has not started or has finished, the error comes back at once.
    pub fn athrow(self: Pin<&Self>, error: E) -> Op<'_, Y, S, E, F> {
        Op::new(self, Request::Input(Input::Throw(error)))
    }

    /// Python's `await agen.aclose()`: raises the close request at the suspended `yield`; the
    /// body's cleanup may await, and must not yield. Does nothing on a generator that has not
    /// started or has finished.
    pub fn aclose(self: Pin<&Self>) -> AClose<'_, Y, S, E, F> {
        AClose {
            op: Op::new(self, Request::Input(Input::Close)),
        }
    }

    /// [`anext`](AsyncGen::anext) through an exclusive borrow: the future is `Send` when the
    /// generator is, so it can be awaited in a task on a multi-thread runtime.
    ///
    /// The `_mut` operations hold the generator mutably borrowed until their future is
    /// dropped, so nothing else can start an operation or read the state meanwhile: a second
    /// operation is a compile error instead of [`ResumeError::Running`]. They share the
    /// generator's bookkeeping with the shared-borrow forms (a cancelled operation's wait is
    /// adopted by the next `anext`/`anext_mut`/`poll_next`, whichever form left it).
    ///
    /// # Examples
    ///
    /// ```
    /// use cogen::{Co, Step, async_coroutine};
    ///
    /// fn assert_send<T: Send>(value: T) -> T {
    ///     value
    /// }
    ///
    /// let mut total = Box::pin(async_coroutine(async |mut co: Co<'_, u64, u64>| {
    ///     let mut sum = 0;
    ///     loop {
    ///         sum += co.yield_(sum).await;
    ///     }
    /// }));
    /// futures::executor::block_on(assert_send(async move {
    ///     assert_eq!(total.as_mut().anext_mut().await, Ok(Step::Yielded(0)));
    ///     assert_eq!(total.as_mut().asend_mut(5).await, Ok(Step::Yielded(5)));
    ///     assert_eq!(total.as_mut().asend_mut(2).await, Ok(Step::Yielded(7)));
    ///     assert_eq!(total.as_mut().aclose_mut().await, Ok(None));
    /// }));
    /// ```
    ///
    /// A second operation while the first one's future is alive does not compile:
    ///
    /// ```compile_fail,E0499
    /// let mut ticks = Box::pin(cogen::async_generator(async |mut co| co.yield_(1).await));
    /// let first = ticks.as_mut().anext_mut();
    /// let second = ticks.as_mut().anext_mut();
    /// drop((first, second));
    /// ```
    pub fn anext_mut(self: Pin<&mut Self>) -> OpMut<'_, Y, S, E, F>
    where
        S: Default,
    {
        OpMut::new(self, Request::Next(S::default))
    }

    /// [`asend`](AsyncGen::asend) through an exclusive borrow: `Send` when the generator is
    /// (see [`anext_mut`](AsyncGen::anext_mut)).
    pub fn asend_mut(self: Pin<&mut Self>, value: S) -> OpMut<'_, Y, S, E, F> {
        OpMut::new(self, Request::Input(Input::Send(value)))
    }

    /// [`athrow`](AsyncGen::athrow) through an exclusive borrow: `Send` when the generator is
    /// (see [`anext_mut`](AsyncGen::anext_mut)).
    pub fn athrow_mut(self: Pin<&mut Self>, error: E) -> OpMut<'_, Y, S, E, F> {
        OpMut::new(self, Request::Input(Input::Throw(error)))
    }

    /// [`aclose`](AsyncGen::aclose) through an exclusive borrow: `Send` when the generator is
    /// (see [`anext_mut`](AsyncGen::anext_mut)).
    pub fn aclose_mut(self: Pin<&mut Self>) -> ACloseMut<'_, Y, S, E, F> {
        ACloseMut {
            op: OpMut::new(self, Request::Input(Input::Close)),
        }
    }
}

/// `Stream::poll_next` is `anext`: errors raised into it panic, as in `Iterator::next`.
impl<Y, E, F: Future> Stream for AsyncGen<Y, (), E, F> {
    type Item = Y;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        // `&mut` access: no operation future is alive, so a wait in flight is ours to finish.
        let poll = self.as_mut().generator_mut().poll_stream_next((), cx);
        let this = self.into_ref();
        match poll {
            Poll::Pending => {
                // No operation future can be alive while we hold `&mut`, and none owns this
                // wait: whoever polls next (this, or an operation future) may adopt it.
                this.operation.set(Operation {
                    id: 0,
                    orphaned: true,
                    ..this.operation.get()
                });
                Poll::Pending
            }
            Poll::Ready(Ok(Step::Yielded(item))) => Poll::Ready(Some(item)),
            Poll::Ready(Ok(Step::Complete(value))) => {
                this.generator().__keep_return(value);
                Poll::Ready(None)
            }
            Poll::Ready(Ok(Step::Exhausted)) => Poll::Ready(None),
            Poll::Ready(Ok(Step::Raised(_))) => panic!(
                "an async generator raised an error during `Stream::poll_next`; drive it with \
                 `anext()` to receive errors as `Step::Raised` (the generator is closed)"
            ),
            Poll::Ready(Err(error)) => panic!("{error}"),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.generator.state() {
            GenState::Closed => (0, Some(0)),
            _ => (0, None),
        }
    }
}

impl<Y, E, F: Future> FusedStream for AsyncGen<Y, (), E, F> {
    fn is_terminated(&self) -> bool {
        self.generator.state() == GenState::Closed
    }
}

/// An async generator is also a generator, so a body can delegate to it with `yield_from`.
/// Resumed synchronously (`try_resume`), its body must not wait on foreign futures.
impl<Y, S, E, F: Future> Generator for AsyncGen<Y, S, E, F> {
    type Yield = Y;
    type Resume = S;
    type Return = F::Output;
    type Error = E;

    fn try_resume(
        self: Pin<&Self>,
        input: Input<S, E>,
    ) -> Result<Step<Y, F::Output, E>, ResumeError<S, E>> {
        self.generator().try_resume(input)
    }

    fn __resume_next(
        self: Pin<&Self>,
        value: S,
    ) -> Result<Step<Y, F::Output, E>, ResumeError<S, E>> {
        self.generator().__resume_next(value)
    }

    fn poll_resume(
        self: Pin<&Self>,
        input: Option<Input<S, E>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<Y, F::Output, E>, ResumeError<S, E>>> {
        self.generator().poll_resume(input, cx)
    }

    fn state(&self) -> GenState {
        self.generator.state()
    }

    fn is_delegating(&self) -> bool {
        self.generator.is_delegating()
    }

    fn take_return(self: Pin<&Self>) -> Option<F::Output> {
        self.generator().take_return()
    }

    fn __keep_return(self: Pin<&Self>, value: F::Output) {
        self.generator().__keep_return(value);
    }

    fn __take_chain(&self) -> Option<crate::Chain<Y, S, E>> {
        self.generator.__take_chain()
    }

    fn __take_exited(&self) -> bool {
        self.generator.__take_exited()
    }
}

enum Request<S, E> {
    /// `anext`: `Start`, or `Send` of this function's value (`S::default`), decided when first
    /// polled.
    Next(fn() -> S),
    Input(Input<S, E>),
}

impl<S, E> Request<S, E> {
    fn into_input(self, state: GenState) -> Input<S, E> {
        match self {
            Request::Next(default) => Input::next(state, default),
            Request::Input(input) => input,
        }
    }
}

/// The future of [`AsyncGen::anext`], [`asend`](AsyncGen::asend) and
/// [`athrow`](AsyncGen::athrow): evaluates to what the generator does next.
///
/// Each call makes a new future; awaiting one again after it completed panics (Python's
/// "cannot reuse already awaited asend()").
#[must_use = "futures do nothing unless awaited"]
pub struct Op<'g, Y, S, E, F: Future> {
    generator: Pin<&'g AsyncGen<Y, S, E, F>>,
    state: OpState<S, E>,
}

impl<Y, S, E, F: Future> fmt::Debug for Op<'_, Y, S, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Op").field(&self.state).finish()
    }
}

// No field is structurally pinned.
impl<Y, S, E, F: Future> Unpin for Op<'_, Y, S, E, F> {}

impl<'g, Y, S, E, F: Future> Op<'g, Y, S, E, F> {
    fn new(generator: Pin<&'g AsyncGen<Y, S, E, F>>, request: Request<S, E>) -> Self {
        Op {
            generator,
            state: OpState::new(request),
        }
    }
}

impl<Y, S, E, F: Future> Future for Op<'_, Y, S, E, F> {
    type Output = Result<Step<Y, F::Output, E>, ResumeError<S, E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let generator = self.generator;
        self.state.poll(generator, cx)
    }
}

impl<Y, S, E, F: Future> Drop for Op<'_, Y, S, E, F> {
    fn drop(&mut self) {
        self.state.cancel(self.generator);
    }
}

/// An operation's progress, apart from the reference to its generator (shared for [`Op`],
/// exclusive for [`OpMut`]).
struct OpState<S, E> {
    request: Option<Request<S, E>>,
    /// `Some(id)` once started, while in flight.
    id: Option<u32>,
    done: bool,
}

impl<S, E> fmt::Debug for OpState<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpState")
            .field("started", &self.id.is_some())
            .field("done", &self.done)
            .finish()
    }
}

impl<S, E> OpState<S, E> {
    fn new(request: Request<S, E>) -> Self {
        OpState {
            request: Some(request),
            id: None,
            done: false,
        }
    }

    fn poll<Y, F: Future>(
        &mut self,
        generator: Pin<&AsyncGen<Y, S, E, F>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<Y, F::Output, E>, ResumeError<S, E>>> {
        assert!(
            !self.done,
            "an asend()/athrow()/anext() future was awaited again after it completed"
        );
        let input = match self.id {
            Some(_) => None, // continue our own wait
            None => {
                let request = self.request.take().expect("an operation is started once");
                let mut operation = generator.operation.get();
                let awaiting = generator.generator.is_awaiting();
                // A wait whose operation future is gone (cancelled) is free: `anext` adopts it
                // and finishes it; `athrow`/`aclose` interrupt it (Python throws at the await).
                // A wait whose future is alive refuses everything (Python's "already running").
                let adopt = awaiting && operation.orphaned && matches!(request, Request::Next(_));
                let interrupt = awaiting
                    && operation.orphaned
                    && matches!(request, Request::Input(Input::Throw(_) | Input::Close));
                if awaiting && !adopt && !interrupt {
                    self.done = true;
                    let input = match request {
                        Request::Input(input) => input,
                        // `anext` has no value to hand back; report it as a refused start.
                        Request::Next(_) => Input::Start,
                    };
                    return Poll::Ready(Err(ResumeError::Running(input)));
                }
                operation.next_id = operation.next_id.wrapping_add(1).max(1);
                operation.id = operation.next_id;
                operation.orphaned = false;
                generator.operation.set(operation);
                self.id = Some(operation.id);
                if adopt {
                    None
                } else {
                    Some(request.into_input(generator.state()))
                }
            }
        };
        let poll = generator.generator().poll_resume(input, cx);
        if poll.is_ready() {
            self.done = true;
            self.id = None;
        }
        poll
    }

    /// The operation's future is dropped: if it was cancelled while the body waits, leave the
    /// wait for `anext`/`poll_next` to adopt.
    fn cancel<Y, F: Future>(&self, generator: Pin<&AsyncGen<Y, S, E, F>>) {
        if let Some(id) = self.id {
            let mut operation = generator.operation.get();
            if operation.id == id && generator.generator.is_awaiting() {
                operation.orphaned = true;
                generator.operation.set(operation);
            }
        }
    }
}

/// The future of [`AsyncGen::aclose`]: `Ok(Some(value))` if the body handled the close
/// request by returning a value, `Ok(None)` if it closed otherwise.
///
/// # Panics
///
/// When polled while another operation is in flight (Python's "aclose(): asynchronous
/// generator is already running").
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AClose<'g, Y, S, E, F: Future> {
    op: Op<'g, Y, S, E, F>,
}

impl<Y, S, E, F: Future> Future for AClose<'_, Y, S, E, F> {
    type Output = Result<Option<F::Output>, CloseError<Y, E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.op).poll(cx).map(close_outcome)
    }
}

/// What a close operation's outcome means to `aclose`.
fn close_outcome<Y, S, E, R>(
    result: Result<Step<Y, R, E>, ResumeError<S, E>>,
) -> Result<Option<R>, CloseError<Y, E>> {
    match result {
        Ok(Step::Yielded(y)) => Err(CloseError::IgnoredClose(y)),
        Ok(Step::Complete(r)) => Ok(Some(r)),
        Ok(Step::Raised(e)) => Err(CloseError::Raised(e)),
        Ok(Step::Exhausted) => Ok(None),
        Err(error) => panic!("aclose(): {error}"),
    }
}

/// The future of [`AsyncGen::anext_mut`], [`asend_mut`](AsyncGen::asend_mut) and
/// [`athrow_mut`](AsyncGen::athrow_mut): as [`Op`], but holding the generator through an
/// exclusive borrow, so it is `Send` when the generator is.
#[must_use = "futures do nothing unless awaited"]
pub struct OpMut<'g, Y, S, E, F: Future> {
    generator: Pin<&'g mut AsyncGen<Y, S, E, F>>,
    state: OpState<S, E>,
}

impl<Y, S, E, F: Future> fmt::Debug for OpMut<'_, Y, S, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OpMut").field(&self.state).finish()
    }
}

// No field is structurally pinned.
impl<Y, S, E, F: Future> Unpin for OpMut<'_, Y, S, E, F> {}

impl<'g, Y, S, E, F: Future> OpMut<'g, Y, S, E, F> {
    fn new(generator: Pin<&'g mut AsyncGen<Y, S, E, F>>, request: Request<S, E>) -> Self {
        OpMut {
            generator,
            state: OpState::new(request),
        }
    }
}

impl<Y, S, E, F: Future> Future for OpMut<'_, Y, S, E, F> {
    type Output = Result<Step<Y, F::Output, E>, ResumeError<S, E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.state.poll(this.generator.as_ref(), cx)
    }
}

impl<Y, S, E, F: Future> Drop for OpMut<'_, Y, S, E, F> {
    fn drop(&mut self) {
        self.state.cancel(self.generator.as_ref());
    }
}

/// The future of [`AsyncGen::aclose_mut`] (and of the close in [`aclosing`]): as [`AClose`],
/// but holding the generator through an exclusive borrow, so it is `Send` when the generator
/// is.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct ACloseMut<'g, Y, S, E, F: Future> {
    op: OpMut<'g, Y, S, E, F>,
}

impl<Y, S, E, F: Future> Future for ACloseMut<'_, Y, S, E, F> {
    type Output = Result<Option<F::Output>, CloseError<Y, E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.op).poll(cx).map(close_outcome)
    }
}

/// Runs `body` with the async generator, then closes it with `aclose().await`, so that its
/// cleanup can await (Python's `contextlib.aclosing`). Returns what `body` returned and what
/// `aclose` reported.
///
/// The close goes through the exclusive borrow given here ([`AsyncGen::aclose_mut`]), so the
/// returned future is `Send` when the generator and `body`'s future are. Inside
/// `tokio::spawn`, rustc 1.95 still rejects it ("implementation of `AsyncFnOnce` is not
/// general enough": the generator's type carries a lifetime that the higher-ranked `body`
/// bound must be general over); boxing it as `Pin<Box<dyn Future<Output = _> + Send>>` first
/// works. (The `_mut` operations themselves need no boxing there.)
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// futures::executor::block_on(async {
///     let lines = std::pin::pin!(cogen::async_generator(async |mut co| {
///         co.yield_("first").await;
///         co.yield_("second").await;
///     }));
///     let (first, closed) = cogen::aclosing(lines, async |mut lines| lines.next().await).await;
///     assert_eq!(first, Some("first"));
///     assert_eq!(closed, Ok(None));
/// });
/// ```
pub async fn aclosing<Y, S, E, F, T>(
    mut generator: Pin<&mut AsyncGen<Y, S, E, F>>,
    body: impl AsyncFnOnce(Pin<&mut AsyncGen<Y, S, E, F>>) -> T,
) -> (T, Result<Option<F::Output>, CloseError<Y, E>>)
where
    F: Future,
{
    let value = body(generator.as_mut()).await;
    let closed = generator.aclose_mut().await;
    (value, closed)
}
