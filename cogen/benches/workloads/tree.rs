//! `tree dN`: in-order traversal of an implicit perfect binary tree of depth `d` (`2^d - 1`
//! keys). A node is a key range `lo..hi`; its key is the middle of the range and its subtrees
//! the two halves. The delegating rows use one generator per subtree, each delegating to the
//! generators of its children, so a key at depth `k` passes through `k + 1` generators; the
//! `flat` rows walk the whole tree in one frame (an explicit stack, or recursion inside one
//! stackful coroutine) and show what delegation costs by difference.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::marker::PhantomData;
use std::pin::Pin;

use cogen::{BoxGen, Co, Generator};

use super::{Rows, sum};

/// The number of keys of a tree of depth `d`.
pub(crate) fn keys(d: u32) -> u64 {
    (1 << d) - 1
}

/// The sum of all keys, `0 + 1 + … + (keys - 1)`.
pub(crate) fn expected(d: u32) -> u64 {
    (0..keys(d)).fold(0, u64::wrapping_add)
}

/// The key of the node `lo..hi` (which must not be empty).
#[inline(always)]
fn middle(lo: u64, hi: u64) -> u64 {
    lo + (hi - lo) / 2
}

/// Hand-written delegation (anchors' `baseline/nested-struct`): one iterator per subtree, each
/// holding its current child in a `Box`, as a generator per subtree would.
pub(crate) struct NestedIter {
    lo: u64,
    hi: u64,
    stage: Stage,
    child: Option<Box<NestedIter>>,
}

enum Stage {
    Left,
    Key,
    Right,
    Done,
}

impl NestedIter {
    pub(crate) fn new(lo: u64, hi: u64) -> Self {
        NestedIter {
            lo,
            hi,
            stage: Stage::Left,
            child: None,
        }
    }
}

impl Iterator for NestedIter {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        loop {
            if let Some(child) = &mut self.child {
                if let Some(x) = child.next() {
                    return Some(x);
                }
                self.child = None;
            }
            let mid = middle(self.lo, self.hi);
            match self.stage {
                Stage::Left => {
                    self.stage = Stage::Key;
                    if self.lo < mid {
                        self.child = Some(Box::new(NestedIter::new(self.lo, mid)));
                    }
                }
                Stage::Key => {
                    self.stage = Stage::Right;
                    return Some(mid);
                }
                Stage::Right => {
                    self.stage = Stage::Done;
                    if mid + 1 < self.hi {
                        self.child = Some(Box::new(NestedIter::new(mid + 1, self.hi)));
                    }
                }
                Stage::Done => return None,
            }
        }
    }
}

/// Hand-written flat walk: an explicit stack of pending `(key, hi)` pairs, no delegation.
pub(crate) struct FlatIter {
    stack: Vec<(u64, u64)>,
}

impl FlatIter {
    pub(crate) fn new(lo: u64, hi: u64) -> Self {
        let mut it = FlatIter {
            stack: Vec::with_capacity(64),
        };
        it.push_left(lo, hi);
        it
    }

    fn push_left(&mut self, lo: u64, mut hi: u64) {
        while lo < hi {
            let mid = middle(lo, hi);
            self.stack.push((mid, hi));
            hi = mid;
        }
    }
}

impl Iterator for FlatIter {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        let (mid, hi) = self.stack.pop()?;
        self.push_left(mid + 1, hi);
        Some(mid)
    }
}

/// cogen, recursive: each subtree a type-erased boxed generator, delegated to with
/// `yield_from`.
pub(crate) fn cogen_boxed(lo: u64, hi: u64) -> BoxGen<'static, u64> {
    cogen::generator(async move |mut co: Co<'_, u64>| {
        let mid = middle(lo, hi);
        if lo < mid {
            co.yield_from(cogen_boxed(lo, mid)).await;
        }
        co.yield_(mid).await;
        if mid + 1 < hi {
            co.yield_from(cogen_boxed(mid + 1, hi)).await;
        }
    })
    .boxed_dyn()
}

/// A tree depth as a type, so that cogen can delegate to sub-generators *by value*: the
/// generator of a subtree of depth `d` holds its children's generators (of the type for depth
/// `d - 1`) inline in its state, pinned inside the delegation. No allocation, no dynamic
/// dispatch; a plain recursive function cannot do this (its generator type would contain
/// itself).
pub(crate) trait Depth {
    /// The generator walking a subtree of this depth.
    fn walk(
        lo: u64,
        hi: u64,
    ) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = Infallible> + 'static;
}

/// Depth 0: the empty tree.
pub(crate) struct Empty;

/// One level deeper than `D`.
pub(crate) struct Deeper<D>(PhantomData<D>);

impl Depth for Empty {
    fn walk(
        _lo: u64,
        _hi: u64,
    ) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = Infallible> + 'static {
        cogen::generator(async |_co: Co<'_, u64>| {})
    }
}

impl<D: Depth> Depth for Deeper<D> {
    fn walk(
        lo: u64,
        hi: u64,
    ) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = Infallible> + 'static {
        cogen::generator(async move |mut co: Co<'_, u64>| {
            let mid = middle(lo, hi);
            if lo < mid {
                co.yield_from(D::walk(lo, mid)).await;
            }
            co.yield_(mid).await;
            if mid + 1 < hi {
                co.yield_from(D::walk(mid + 1, hi)).await;
            }
        })
    }
}

type D1 = Deeper<Empty>;
type D2 = Deeper<D1>;
type D3 = Deeper<D2>;
type D4 = Deeper<D3>;
type D5 = Deeper<D4>;
type D6 = Deeper<D5>;
type D7 = Deeper<D6>;
type D8 = Deeper<D7>;
type D9 = Deeper<D8>;
type D10 = Deeper<D9>;
type D11 = Deeper<D10>;
type D12 = Deeper<D11>;
type D13 = Deeper<D12>;
type D14 = Deeper<D13>;
type D15 = Deeper<D14>;
type D16 = Deeper<D15>;
type D17 = Deeper<D16>;
type D18 = Deeper<D17>;
type D19 = Deeper<D18>;
type D20 = Deeper<D19>;
type D21 = Deeper<D20>;
type D22 = Deeper<D21>;

/// The future genawaiter's `rc` flavour needs named for a recursive generator.
type GenawaiterFuture = Pin<Box<dyn Future<Output = ()>>>;

/// genawaiter (rc): no `yield from`, so each subtree re-yields its children's items.
pub(crate) fn genawaiter_rc(lo: u64, hi: u64) -> genawaiter::rc::Gen<u64, (), GenawaiterFuture> {
    genawaiter::rc::Gen::new(move |co| -> GenawaiterFuture {
        Box::pin(async move {
            let mid = middle(lo, hi);
            if lo < mid {
                for x in genawaiter_rc(lo, mid) {
                    co.yield_(x).await;
                }
            }
            co.yield_(mid).await;
            if mid + 1 < hi {
                for x in genawaiter_rc(mid + 1, hi) {
                    co.yield_(x).await;
                }
            }
        })
    })
}

/// corosensei, flat: plain recursion inside one stackful coroutine (no generator per subtree).
pub(crate) fn corosensei_flat(lo: u64, hi: u64) -> corosensei::Coroutine<(), u64, ()> {
    fn walk(y: &corosensei::Yielder<(), u64>, lo: u64, hi: u64) {
        if lo < hi {
            let mid = middle(lo, hi);
            walk(y, lo, mid);
            y.suspend(mid);
            walk(y, mid + 1, hi);
        }
    }
    corosensei::Coroutine::new(move |y: &corosensei::Yielder<(), u64>, ()| walk(y, lo, hi))
}

/// The `cogen/pinned-by-value` row for the depth type `D`.
fn by_value_row<D: Depth>(rows: &mut impl Rows, keys: u64) {
    rows.row(
        "cogen/pinned-by-value",
        move || D::walk(0, keys),
        |g| sum(cogen::pin!(g)),
    );
}

/// Every implementation of the workload, for a tree of depth `d` (10, 14, 18 or 22).
pub(crate) fn rows(rows: &mut impl Rows, d: u32) {
    let keys = keys(d);
    rows.row(
        "baseline/nested-struct",
        move || NestedIter::new(0, keys),
        sum,
    );
    rows.row("baseline/flat-stack", move || FlatIter::new(0, keys), sum);
    rows.row("cogen/BoxGen", move || cogen_boxed(0, keys), sum);
    match d {
        10 => by_value_row::<D10>(rows, keys),
        14 => by_value_row::<D14>(rows, keys),
        18 => by_value_row::<D18>(rows, keys),
        22 => by_value_row::<D22>(rows, keys),
        _ => {}
    }
    rows.row(
        "genawaiter/rc",
        move || genawaiter_rc(0, keys),
        |g| sum(g.into_iter()),
    );
    rows.row(
        "corosensei/flat",
        move || corosensei_flat(0, keys),
        |mut co| {
            let mut total = 0u64;
            while let corosensei::CoroutineResult::Yield(x) = co.resume(()) {
                total = total.wrapping_add(black_box(x));
            }
            total
        },
    );
}
