//! The benchmarks' no-protocol floors have `unsafe` code of their own: the `tree` floor
//! (`benches/workloads/tree_floor.rs`) keeps raw pointers to pinned futures between polls, the
//! stream floor (`benches/workloads/stream_floor.rs`, also the boxed `yield_sum` floor) hands
//! values over through its waker's data pointer. They run here, on small inputs, so that Miri
//! checks them too (`.ci/run` runs this test under both aliasing models).

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

#[path = "../benches/workloads/stream_floor.rs"]
mod stream_floor;
#[path = "../benches/workloads/tree_floor.rs"]
mod tree_floor;

use stream_floor::{AwaitFloor, FloorIter, await_floor_yield};
use tree_floor::{FloorWalk, floor_delegate, floor_yield};

/// The in-order walk of the keys `lo..hi`, each subtree a boxed future (any depth).
fn boxed_walk(lo: u64, hi: u64) -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {
        if lo >= hi {
            return;
        }
        let mid = lo + (hi - lo) / 2;
        let child = pin!(boxed_walk(lo, mid));
        // SAFETY: awaited here, to completion.
        unsafe { floor_delegate(child) }.await;
        floor_yield(mid).await;
        let child = pin!(boxed_walk(mid + 1, hi));
        // SAFETY: awaited here, to completion.
        unsafe { floor_delegate(child) }.await;
    })
}

/// One key, by value.
async fn leaf(key: u64) {
    floor_yield(key).await;
}

/// Three keys from `lo`, the children held inline in this future's state (as the bench's
/// by-value row holds them).
async fn three(lo: u64) {
    let child = pin!(leaf(lo));
    // SAFETY: awaited here, to completion.
    unsafe { floor_delegate(child) }.await;
    floor_yield(lo + 1).await;
    let child = pin!(leaf(lo + 2));
    // SAFETY: awaited here, to completion.
    unsafe { floor_delegate(child) }.await;
}

/// Seven keys, two levels of children held inline.
async fn seven() {
    let child = pin!(three(0));
    // SAFETY: awaited here, to completion.
    unsafe { floor_delegate(child) }.await;
    floor_yield(3).await;
    let child = pin!(three(4));
    // SAFETY: awaited here, to completion.
    unsafe { floor_delegate(child) }.await;
}

/// Polls `future` once with a waker that is not a floor driver's: a floor future panics.
fn poll_with_foreign_waker(future: Pin<&mut impl Future<Output = ()>>) {
    let _ = future.poll(&mut Context::from_waker(Waker::noop()));
    unreachable!("a floor future polled by a foreign waker panics");
}

#[test]
fn children_held_inline_are_walked_in_order() {
    let keys: Vec<u64> = FloorWalk::new(pin!(seven()), 3).collect();
    assert_eq!(keys, (0..7).collect::<Vec<_>>());
}

#[test]
fn a_deeper_boxed_tree_is_walked_in_order_and_stays_finished() {
    let root = pin!(boxed_walk(0, 31));
    let mut walk = FloorWalk::new(root, 5);
    assert_eq!(
        walk.by_ref().collect::<Vec<_>>(),
        (0..31).collect::<Vec<_>>()
    );
    assert_eq!(walk.next(), None);
}

#[test]
fn a_walk_dropped_halfway_leaves_its_futures_to_their_owner() {
    let mut root = pin!(boxed_walk(0, 31));
    let mut walk = FloorWalk::new(root.as_mut(), 5);
    assert_eq!(
        walk.by_ref().take(10).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    drop(walk);
    // The root, suspended five levels deep, is dropped with its pinned children by its owner.
}

#[test]
#[should_panic(expected = "only polled by FloorWalk")]
fn a_tree_floor_future_polled_by_another_waker_panics() {
    poll_with_foreign_waker(pin!(floor_yield(1)));
}

#[test]
fn an_empty_tree_yields_nothing() {
    let root = pin!(boxed_walk(0, 0));
    let mut walk = FloorWalk::new(root, 0);
    assert_eq!(walk.next(), None);
}

/// Polls `stream` to its end with a no-op context (the floor ignores the caller's waker).
fn drain(mut stream: Pin<&mut impl Stream<Item = u64>>) -> Vec<u64> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut items = Vec::new();
    while let Poll::Ready(Some(item)) = stream.as_mut().poll_next(&mut cx) {
        items.push(item);
    }
    items
}

#[test]
fn the_stream_floor_yields_its_values_then_stays_finished() {
    let mut counter = pin!(AwaitFloor::new(async {
        for i in 0..5 {
            await_floor_yield(i).await;
        }
    }));
    assert_eq!(drain(counter.as_mut()), [0, 1, 2, 3, 4]);
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(counter.as_mut().poll_next(&mut cx), Poll::Ready(None));
}

#[test]
fn the_boxed_floor_iterates_its_values_then_stays_finished() {
    let mut counter = FloorIter(Box::pin(AwaitFloor::new(async {
        for i in 0..5 {
            await_floor_yield(i).await;
        }
    })));
    assert_eq!(counter.by_ref().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(counter.next(), None);
}

#[test]
#[should_panic(expected = "only polled by AwaitFloor::poll_next")]
fn a_stream_floor_yield_polled_by_another_waker_panics() {
    poll_with_foreign_waker(pin!(await_floor_yield(1)));
}
