//! The floor of `tree`'s by-value row: the same walk, one `async` block per subtree with its
//! children's futures held inline and pinned in its state, delegation in O(1) per key, and
//! nothing else (the row `reference/await floor, no protocol (by value)`).
//!
//! A driver ([`FloorWalk`]) keeps a stack of the futures that are delegating and polls only the
//! top one, as cogen's chain resumes only its innermost generator. A body yields a key by
//! writing it into the driver's slot and returning `Pending` once ([`floor_yield`]), and
//! delegates to a child by writing the child's address there ([`floor_delegate`]); the driver
//! then polls the child until it finishes, and the parent again after that. There is no
//! `send`, `throw`, `close`, state, identity or return value: it is what delegation built on
//! `.await` costs before any of Python's protocol, as `stream_sum`'s `reference/await floor`
//! row is for a single generator.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// A pointer to a pinned subtree future.
type Subtree = NonNull<dyn Future<Output = ()>>;

/// What a body handed the driver in the poll that just returned `Pending`.
pub(crate) enum Slot {
    Empty,
    Yielded(u64),
    Delegated(Subtree),
}

/// The vtable of the driver's waker, whose data is its [`Slot`]. Clones get a no-op waker's
/// vtable, so that no waker outliving the poll can point at the slot.
static FLOOR_TREE_VTABLE: RawWakerVTable = RawWakerVTable::new(
    |_| RawWaker::new(std::ptr::null(), Waker::noop().vtable()),
    |_| {},
    |_| {},
    |_| {},
);

/// Writes `outcome` into the slot of the driver polling now.
#[inline]
fn hand_over(cx: &Context<'_>, outcome: Slot) {
    assert!(
        std::ptr::eq(cx.waker().vtable(), &FLOOR_TREE_VTABLE),
        "the tree floor's futures are only polled by FloorWalk"
    );
    let slot = cx.waker().data().cast::<Slot>().cast_mut();
    // SAFETY: a waker with `FLOOR_TREE_VTABLE` is only made by `FloorWalk::next`, whose data
    // is its `Slot`, alive and not otherwise borrowed for the whole poll of the body; and
    // clones never carry that vtable.
    unsafe { *slot = outcome };
}

/// Yields `key` to the driver: `Pending` once, then `Ready`.
pub(crate) fn floor_yield(key: u64) -> HandOver<'static, u64> {
    HandOver(Some(key), PhantomData)
}

/// Delegates to `child`, pinned in the caller's state: the driver polls it until it finishes,
/// then polls the caller again, which finds this future `Ready`. The borrow of `child` lasts
/// as long as the returned future, so the caller cannot touch the child in between.
///
/// # Safety
///
/// The returned future is awaited where it is made, to completion. Polled once and dropped,
/// it would end the borrow of `child` while the driver still holds the child's address (the
/// floor has no protocol to notice: that is what makes it a floor).
pub(crate) unsafe fn floor_delegate<'a>(
    child: Pin<&'a mut (dyn Future<Output = ()> + 'static)>,
) -> HandOver<'a, Subtree> {
    // SAFETY: the pointer is only used by `FloorWalk::next`, which polls the child in place
    // through `Pin::new_unchecked` and never moves it.
    let child = NonNull::from(unsafe { child.get_unchecked_mut() });
    HandOver(Some(child), PhantomData)
}

/// What a body hands the driver: a key ([`floor_yield`]) or a child ([`floor_delegate`]).
pub(crate) trait Outcome {
    fn into_slot(self) -> Slot;
}

impl Outcome for u64 {
    #[inline]
    fn into_slot(self) -> Slot {
        Slot::Yielded(self)
    }
}

impl Outcome for Subtree {
    #[inline]
    fn into_slot(self) -> Slot {
        Slot::Delegated(self)
    }
}

/// The future of [`floor_yield`] and [`floor_delegate`]: hands its outcome to the driver and
/// returns `Pending` on its first poll, `Ready` on its second. One type per outcome (not one
/// holding a `Slot`, which measured 5 instructions more per key on the floor).
pub(crate) struct HandOver<'a, T>(Option<T>, PhantomData<&'a mut ()>);

impl<T: Outcome + Unpin> Future for HandOver<'_, T> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.0.take() {
            Some(outcome) => {
                hand_over(cx, outcome.into_slot());
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}

/// The driver: an iterator over the keys of a floor walk, polling the innermost delegating
/// future.
pub(crate) struct FloorWalk<'a> {
    /// The root, then each delegating future's child; only the last one is polled. Each
    /// pointer is to a future pinned either where the caller pinned the root or inside the
    /// state of the future below it, which is suspended at the `floor_delegate` that handed
    /// the pointer over (awaited to completion, its safety contract) and is not polled again
    /// before the child finishes (and is popped).
    stack: Vec<Subtree>,
    _root: PhantomData<Pin<&'a mut ()>>,
}

impl<'a> FloorWalk<'a> {
    /// Walks `root`; the stack has room for a tree of depth `depth` without growing.
    pub(crate) fn new(root: Pin<&'a mut (dyn Future<Output = ()> + 'static)>, depth: u32) -> Self {
        let mut stack = Vec::with_capacity(depth as usize + 1);
        // SAFETY: as in `floor_delegate`: only polled in place.
        stack.push(NonNull::from(unsafe { root.get_unchecked_mut() }));
        FloorWalk {
            stack,
            _root: PhantomData,
        }
    }
}

impl Iterator for FloorWalk<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        loop {
            let top = *self.stack.last()?;
            let mut slot = Slot::Empty;
            // SAFETY: `FLOOR_TREE_VTABLE`'s functions never read the data pointer, and the
            // waker does not outlive the slot (dropped at the end of this iteration; clones
            // are no-ops).
            let waker =
                unsafe { Waker::new((&raw mut slot).cast_const().cast(), &FLOOR_TREE_VTABLE) };
            // SAFETY: `top` is the last pointer of the stack: a future that is pinned and alive
            // (the futures below it, which hold it in their state, are suspended and are not
            // polled or dropped while it is on the stack, and the root outlives `'a`), not
            // borrowed by anything else while the driver polls it.
            let future = unsafe { Pin::new_unchecked(&mut *top.as_ptr()) };
            match future.poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(()) => {
                    self.stack.pop();
                }
                Poll::Pending => match slot {
                    Slot::Yielded(key) => return Some(key),
                    Slot::Delegated(child) => self.stack.push(child),
                    Slot::Empty => unreachable!("a floor body awaits nothing but its yields"),
                },
            }
        }
    }
}
