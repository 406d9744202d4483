//! The floor of `stream_sum` and `stream_fold`, and of the boxed `yield_sum` row: an async
//! generator built on `.await` with no protocol at all (the rows `reference/await floor, no
//! protocol`), in a module of its own so that `tests/bench_floors.rs` can run its `unsafe` code
//! under Miri.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use futures_core::Stream;

/// The least an async generator built on `.await` can do, for reference: a body whose yields
/// are futures that, on their first poll, put their value in a slot on the stack of the
/// `poll_next` that polls the body (found through the waker, as cogen's airlock is) and return
/// `Pending`, and on their second poll return `Ready`. Nothing else: no states but
/// "finished", no identity beyond the waker's vtable (two of them share the slot's type, so a
/// mix-up misdelivers a value but breaks no type), no send, throw, close or foreign awaits.
pub(crate) struct AwaitFloor<F> {
    body: F,
    finished: bool,
}

impl<F> AwaitFloor<F> {
    /// The async generator whose body is `body`, which yields with [`await_floor_yield`].
    pub(crate) fn new(body: F) -> Self {
        AwaitFloor {
            body,
            finished: false,
        }
    }
}

/// Yields `value` from an [`AwaitFloor`]'s body.
#[inline]
pub(crate) fn await_floor_yield(value: u64) -> FloorYield {
    FloorYield(Some(value))
}

/// A yield of [`AwaitFloor`]'s bodies.
pub(crate) struct FloorYield(Option<u64>);

/// The waker of [`AwaitFloor::poll_next`]: its data is the slot. A clone is `Waker::noop()`,
/// so that no waker outliving the poll can point at the slot.
static FLOOR_VTABLE: RawWakerVTable = RawWakerVTable::new(
    |_| RawWaker::new(std::ptr::null(), Waker::noop().vtable()),
    |_| {},
    |_| {},
    |_| {},
);

impl Future for FloorYield {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.0.take() {
            Some(value) => {
                assert!(
                    std::ptr::eq(cx.waker().vtable(), &FLOOR_VTABLE),
                    "a FloorYield is only polled by AwaitFloor::poll_next"
                );
                let slot = cx.waker().data().cast::<Option<u64>>().cast_mut();
                // SAFETY: a waker with `FLOOR_VTABLE` is only made by `AwaitFloor::poll_next`,
                // whose data is its `Option<u64>` slot, alive and not otherwise borrowed for
                // the whole poll of the body; and clones never carry that vtable.
                unsafe { *slot = Some(value) };
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}

impl<F: Future<Output = ()>> Stream for AwaitFloor<F> {
    type Item = u64;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u64>> {
        // SAFETY: `body` is structurally pinned: it is never moved out of `self`, only polled
        // in place (below) and dropped with it.
        let this = unsafe { self.get_unchecked_mut() };
        if this.finished {
            return Poll::Ready(None);
        }
        let mut slot: Option<u64> = None;
        // SAFETY: `FLOOR_VTABLE`'s functions never read the data pointer, and the waker does
        // not outlive the slot (it is dropped at the end of this function; clones are no-ops).
        let waker = unsafe { Waker::new((&raw mut slot).cast_const().cast(), &FLOOR_VTABLE) };
        // SAFETY: as above, `body` is pinned because `self` is.
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        match body.poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(()) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Pending => match slot.take() {
                Some(value) => Poll::Ready(Some(value)),
                None => unreachable!("an AwaitFloor body awaits nothing but its yields"),
            },
        }
    }
}

/// An [`AwaitFloor`] behind a pinning pointer, resumed as an `Iterator` (a no-op waker stands in
/// for an executor's): the floor of the boxed `yield_sum` row, a synchronous generator built on
/// `.await` with no protocol.
pub(crate) struct FloorIter<P>(pub(crate) Pin<P>);

impl<P, F> Iterator for FloorIter<P>
where
    P: std::ops::DerefMut<Target = AwaitFloor<F>>,
    F: Future<Output = ()>,
{
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.0.as_mut().poll_next(&mut cx) {
            Poll::Ready(item) => item,
            Poll::Pending => unreachable!("an AwaitFloor is always ready"),
        }
    }
}
