//! Generator-based coroutines (Python's `types.coroutine`): a generator that yields
//! awaitables, or requests, becomes a `Future` that any executor drives.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::generator::Generator;
use crate::state::GenState;
use crate::step::{Input, Step};

/// Turns a generator that yields requests into a [`Future`]: each yielded request is handed to
/// `handler`, the future it returns is awaited on the executor, and its output is sent back
/// into the generator (what an event loop does with a `types.coroutine` generator's yields).
/// The future's output is the generator's return value.
///
/// The generator's body may also `.await` native futures directly: they run on the same
/// executor (Python's `yield from asyncio.sleep(1)` inside a `types.coroutine`).
///
/// # Panics
///
/// When polled after completion, or if the generator raises an error (a
/// [`Driven::throw`] it did not handle): the error has no other way out of its output. Use
/// [`Driven::into_result`] to receive it as an `Err` instead, as Python's `await coro`
/// raises it in the awaiter.
///
/// # Examples
///
/// ```
/// use cogen::{Co, coroutine, drive};
///
/// // The generator asks for values by name; the driver looks them up asynchronously.
/// let lookup = drive(
///     coroutine(async |mut co: Co<'_, &str, u32>| {
///         let a = co.yield_("a").await;
///         let b = co.yield_("b").await;
///         a + b
///     }),
///     |name| async move { if name == "a" { 1 } else { 2 } },
/// );
/// assert_eq!(futures::executor::block_on(lookup), 3);
/// ```
pub fn drive<G, H, Fut>(generator: G, handler: H) -> Driven<G, H, Fut>
where
    G: Generator,
    H: FnMut(G::Yield) -> Fut,
    Fut: Future<Output = G::Resume>,
{
    Driven {
        generator,
        handler,
        pending: None,
        next: Some(Input::Start),
        done: false,
    }
}

/// Turns a generator that yields futures into a [`Future`] (Python's `types.coroutine`): each
/// yielded future is awaited and its output sent back; the output is the return value.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use cogen::{Co, awaitable, coroutine};
///
/// type Awaitable = Pin<Box<dyn Future<Output = u32>>>;
///
/// // Python: @types.coroutine
/// //         def old_style(): x = yield some_future; return x + 1
/// let old_style = awaitable(coroutine(async |mut co: Co<'_, Awaitable, u32>| {
///     let x = co.yield_(Box::pin(async { 41 })).await;
///     x + 1
/// }));
/// // ... awaited from native async code:
/// let answer = futures::executor::block_on(async { old_style.await });
/// assert_eq!(answer, 42);
/// ```
pub fn awaitable<G>(generator: G) -> Driven<G, fn(G::Yield) -> G::Yield, G::Yield>
where
    G: Generator,
    G::Yield: Future<Output = G::Resume>,
{
    drive(generator, core::convert::identity)
}

/// The future made by [`drive`] and [`awaitable`].
#[must_use = "futures do nothing unless awaited"]
pub struct Driven<G: Generator, H, Fut> {
    // Structurally pinned: resumed in place.
    generator: G,
    handler: H,
    // Structurally pinned: the awaitable in flight.
    pending: Option<Fut>,
    // What the next resume puts in; `None` while an awaitable is in flight, or while the body
    // itself waits on a future (the next poll continues it).
    next: Option<Input<G::Resume, G::Error>>,
    // The output was delivered, or the coroutine was closed.
    done: bool,
}

impl<G: Generator, H, Fut> fmt::Debug for Driven<G, H, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driven")
            .field("state", &self.generator.state())
            .field("awaiting", &self.pending.is_some())
            .finish()
    }
}

impl<G: Generator, H, Fut> Driven<G, H, Fut> {
    /// The generator's state (Python's `inspect.getcoroutinestate`).
    pub fn state(&self) -> GenState {
        self.generator.state()
    }

    /// The same coroutine as a future of `Result`: an error the generator raises (a
    /// [`throw`](Driven::throw) it did not handle) comes out as `Err`, where [`Driven`]
    /// panics; Python's `await coro` raises it in the awaiter the same way.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    /// use cogen::{Co, coroutine, drive};
    ///
    /// let mut fetch = pin!(drive(
    ///     coroutine(async |mut co: Co<'_, &str, u32, &str>| co.yield_("slow request").await),
    ///     |_request| std::future::pending::<u32>(),
    /// )
    /// .into_result());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(fetch.as_mut().poll(&mut cx), Poll::Pending);
    /// // A timeout, say: raise an error at the coroutine's suspended request.
    /// fetch.as_mut().throw("timed out");
    /// assert_eq!(fetch.as_mut().poll(&mut cx), Poll::Ready(Err("timed out")));
    /// ```
    pub fn into_result(self) -> DrivenResult<G, H, Fut> {
        DrivenResult { driven: self }
    }

    #[allow(clippy::type_complexity)]
    fn project(
        self: Pin<&mut Self>,
    ) -> (
        Pin<&G>,
        &mut H,
        Pin<&mut Option<Fut>>,
        &mut Option<Input<G::Resume, G::Error>>,
        &mut bool,
    ) {
        // SAFETY: `generator` and `pending` are structurally pinned: `Driven` never moves them
        // out (the pending future is only replaced through `Pin::set`, which drops it in
        // place), has no `Drop` impl, and is `!Unpin` when they are. `handler`, `next` and
        // `done` are not pinned.
        unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&this.generator),
                &mut this.handler,
                Pin::new_unchecked(&mut this.pending),
                &mut this.next,
                &mut this.done,
            )
        }
    }

    /// Python's `coro.throw(error)` on a suspended coroutine: drops the awaitable in flight
    /// (its destructors run) and raises `error` at the generator's suspended `yield`, where it
    /// travels down any `yield_from` chain, innermost first. The coroutine goes on when it is
    /// next polled.
    pub fn throw(self: Pin<&mut Self>, error: G::Error) {
        let (_, _, mut pending, next, _) = self.project();
        pending.set(None);
        *next = Some(Input::Throw(error));
    }

    /// Python's `coro.close()`: drops the awaitable in flight and closes the generator now
    /// (down its `yield_from` chain, innermost first). Returns the generator's return value if
    /// it handled the close request by returning.
    ///
    /// # Errors
    ///
    /// As [`Pinned::close`](crate::Pinned::close).
    pub fn close(
        self: Pin<&mut Self>,
    ) -> Result<Option<G::Return>, crate::CloseError<G::Yield, G::Error>> {
        let (generator, _, mut pending, next, done) = self.project();
        pending.set(None);
        *next = None;
        *done = true;
        match generator.try_resume(Input::Close) {
            Ok(Step::Yielded(y)) => Err(crate::CloseError::IgnoredClose(y)),
            Ok(Step::Complete(r)) => Ok(Some(r)),
            Ok(Step::Raised(e)) => Err(crate::CloseError::Raised(e)),
            Ok(Step::Exhausted) => Ok(None),
            Err(error) => panic!("close(): {error}"),
        }
    }
}

impl<G, H, Fut> Future for Driven<G, H, Fut>
where
    G: Generator,
    H: FnMut(G::Yield) -> Fut,
    Fut: Future<Output = G::Resume>,
{
    type Output = G::Return;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G::Return> {
        self.poll_outcome(cx).map(|outcome| match outcome {
            Ok(value) => value,
            Err(_) => panic!(
                "a generator-based coroutine raised an error it was thrown; \
                 return a `Result` to report errors to its awaiter, or await \
                 `Driven::into_result()`"
            ),
        })
    }
}

impl<G, H, Fut> Driven<G, H, Fut>
where
    G: Generator,
    H: FnMut(G::Yield) -> Fut,
    Fut: Future<Output = G::Resume>,
{
    /// Drives the coroutine until it returns (`Ok`) or raises (`Err`); the one loop behind
    /// both [`Driven`] and [`DrivenResult`].
    fn poll_outcome(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<G::Return, G::Error>> {
        let (generator, handler, mut pending, next, done) = self.project();
        assert!(
            !*done,
            "a generator-based coroutine was awaited after it finished"
        );
        loop {
            if let Some(awaitable) = pending.as_mut().as_pin_mut() {
                let value = match awaitable.poll(cx) {
                    Poll::Ready(value) => value,
                    Poll::Pending => return Poll::Pending,
                };
                pending.set(None);
                *next = Some(Input::Send(value));
            }
            let input = next.take();
            match generator.poll_resume(input, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Step::Yielded(request))) => pending.set(Some(handler(request))),
                Poll::Ready(Ok(Step::Complete(value))) => {
                    *done = true;
                    return Poll::Ready(Ok(value));
                }
                Poll::Ready(Ok(Step::Exhausted)) => {
                    panic!("a generator-based coroutine was awaited after it finished")
                }
                Poll::Ready(Ok(Step::Raised(error))) => {
                    *done = true;
                    return Poll::Ready(Err(error));
                }
                Poll::Ready(Err(error)) => panic!("{error}"),
            }
        }
    }
}

/// The future of [`Driven::into_result`]: the coroutine's return value as `Ok`, or the error
/// it raised as `Err`.
///
/// # Panics
///
/// When polled after completion.
#[must_use = "futures do nothing unless awaited"]
pub struct DrivenResult<G: Generator, H, Fut> {
    // Structurally pinned.
    driven: Driven<G, H, Fut>,
}

impl<G: Generator, H, Fut> fmt::Debug for DrivenResult<G, H, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DrivenResult").field(&self.driven).finish()
    }
}

impl<G: Generator, H, Fut> DrivenResult<G, H, Fut> {
    fn driven(self: Pin<&mut Self>) -> Pin<&mut Driven<G, H, Fut>> {
        // SAFETY: `driven` is structurally pinned: `DrivenResult` never moves it out, has no
        // `Drop` impl, and is `!Unpin` when it is.
        unsafe { self.map_unchecked_mut(|this| &mut this.driven) }
    }

    /// As [`Driven::state`].
    pub fn state(&self) -> GenState {
        self.driven.state()
    }

    /// As [`Driven::throw`]; an error the coroutine does not handle becomes this future's
    /// `Err`.
    pub fn throw(self: Pin<&mut Self>, error: G::Error) {
        self.driven().throw(error);
    }

    /// As [`Driven::close`].
    ///
    /// # Errors
    ///
    /// As [`Pinned::close`](crate::Pinned::close).
    pub fn close(
        self: Pin<&mut Self>,
    ) -> Result<Option<G::Return>, crate::CloseError<G::Yield, G::Error>> {
        self.driven().close()
    }
}

impl<G, H, Fut> Future for DrivenResult<G, H, Fut>
where
    G: Generator,
    H: FnMut(G::Yield) -> Fut,
    Fut: Future<Output = G::Resume>,
{
    type Output = Result<G::Return, G::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.driven().poll_outcome(cx)
    }
}
