//! `tree dN`: in-order traversal of an implicit perfect binary tree of depth `d` (`2^d - 1`
//! keys). A node is a key range `lo..hi`; its key is the middle of the range and its subtrees
//! the two halves. The delegating rows use one generator per subtree, each delegating to the
//! generators of its children, so a key at depth `k` passes through `k + 1` generators; the
//! `flat` rows walk the whole tree in one frame (an explicit stack, or recursion inside one
//! stackful coroutine) and show what delegation costs by difference.
//!
//! The rows:
//!
//! * `baseline/nested-struct`: hand-written delegation ([`NestedIter`]), the reference;
//! * `baseline/flat-stack`: hand-written flat walk ([`FlatIter`]), and the same walk as a
//!   `std::iter::from_fn` closure;
//! * `cogen/BoxGen`: cogen, each subtree a boxed generator, delegated to with `yield_from`;
//! * `cogen/pinned-by-value`: cogen, each subtree's generator held inline in its parent's;
//! * `reference/await floor, no protocol (by value)`: the by-value walk as bare `async` blocks
//!   driven with O(1) delegation and none of Python's protocol ([`super::tree_floor`]): what
//!   the by-value row costs before its protocol;
//! * `genawaiter/rc`, `genawaiter/stack`, `next-gen/boxed`, `corosensei/nested`,
//!   `generator/nested`: the anchor crates, one generator (or coroutine) per subtree as well;
//!   none has a `yield from`, so each re-yields its children's items;
//! * `corosensei/flat`: recursion inside one stackful coroutine.
//!
//! Limits of the anchor rows:
//!
//! * `genawaiter/stack` and `next-gen/boxed` box each child's state (its future, its generator):
//!   held inline, a subtree's state would contain itself;
//! * `corosensei/nested` lends each coroutine a stack from a pool of one per tree level, mapped
//!   once by the setup: mapping a stack per coroutine (about 9 µs) would dwarf the traversal;
//! * `generator/nested` maps a stack per generator (about 12 µs a key in the anchors'
//!   measures), so it runs at depth 10 only;
//! * `baseline/from_fn (flat)` is the flat walk as a `std::iter::from_fn` closure (the anchors'
//!   `baseline/from_fn`); there is no nested one: a closure cannot name its own type, so it
//!   would hold a `Box<dyn Iterator>` child and the stages of [`NestedIter`], which is
//!   [`NestedIter`] again (behind a virtual call).

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::rc::Rc;

use cogen::{BoxGen, Co, Generator};

use super::tree_floor::{FloorWalk, floor_delegate, floor_yield};
use super::{Rows, sum, sum_coroutine};

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

/// The flat walk of [`FlatIter`] as a `std::iter::from_fn` closure.
pub(crate) fn flat_from_fn(lo: u64, hi: u64) -> impl Iterator<Item = u64> {
    let mut walk = FlatIter::new(lo, hi);
    std::iter::from_fn(move || {
        let (mid, hi) = walk.stack.pop()?;
        walk.push_left(mid + 1, hi);
        Some(mid)
    })
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
pub(crate) trait Depth: 'static {
    /// The generator walking a subtree of this depth.
    fn walk(
        lo: u64,
        hi: u64,
    ) -> impl Generator<Yield = u64, Resume = (), Return = (), Error = Infallible> + 'static;

    /// The same walk with no protocol (the by-value floor, [`super::tree_floor`]).
    fn floor(lo: u64, hi: u64) -> impl Future<Output = ()> + 'static;
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

    async fn floor(_lo: u64, _hi: u64) {}
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

    async fn floor(lo: u64, hi: u64) {
        let mid = middle(lo, hi);
        if lo < mid {
            let child = pin!(D::floor(lo, mid));
            // SAFETY: awaited here, to completion.
            unsafe { floor_delegate(child) }.await;
        }
        floor_yield(mid).await;
        if mid + 1 < hi {
            let child = pin!(D::floor(mid + 1, hi));
            // SAFETY: awaited here, to completion.
            unsafe { floor_delegate(child) }.await;
        }
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

/// genawaiter (stack): each body makes its children's generators on a `Shelf` of its own (a
/// local of the body, so inside the parent's future) and re-yields their items. The child's
/// future must be boxed: held inline, the future of a subtree would contain itself.
pub(crate) async fn genawaiter_stack(lo: u64, hi: u64, co: genawaiter::stack::Co<'_, u64>) {
    let mid = middle(lo, hi);
    if lo < mid {
        genawaiter::stack::let_gen_using!(child, |co| Box::pin(genawaiter_stack(lo, mid, co)));
        for x in child {
            co.yield_(x).await;
        }
    }
    co.yield_(mid).await;
    if mid + 1 < hi {
        genawaiter::stack::let_gen_using!(child, |co| Box::pin(genawaiter_stack(mid + 1, hi, co)));
        for x in child {
            co.yield_(x).await;
        }
    }
}

/// next-gen: each subtree's generator made on the heap (`mk_gen!(let _ = box …)`, recursion
/// needs the indirection) and run to its end, re-yielding its items: next-gen 0.1.1 aborts the
/// process when a suspended generator is dropped.
#[next_gen::generator(yield(u64))]
pub(crate) fn next_gen_boxed(lo: u64, hi: u64) {
    let mid = middle(lo, hi);
    if lo < mid {
        next_gen::mk_gen!(let child = box next_gen_boxed(lo, mid));
        for x in child {
            yield_!(x);
        }
    }
    yield_!(mid);
    if mid + 1 < hi {
        next_gen::mk_gen!(let child = box next_gen_boxed(mid + 1, hi));
        for x in child {
            yield_!(x);
        }
    }
}

/// The stacks of `corosensei/nested`, one per tree level (at most one coroutine per level is
/// alive at a time): made in the setup, outside the timing, and lent to each coroutine for its
/// lifetime.
pub(crate) type StackPool = Rc<RefCell<Vec<corosensei::stack::DefaultStack>>>;

/// corosensei, nested: a coroutine per subtree, on a stack taken from `pool` (given back by
/// whoever runs it to its end), re-yielding its children's items.
pub(crate) fn corosensei_nested(
    pool: &StackPool,
    lo: u64,
    hi: u64,
) -> corosensei::Coroutine<(), u64, ()> {
    /// Runs `child` to its end, re-yielding its items, then gives its stack back.
    #[inline]
    fn delegate(
        y: &corosensei::Yielder<(), u64>,
        pool: &StackPool,
        mut child: corosensei::Coroutine<(), u64, ()>,
    ) {
        while let corosensei::CoroutineResult::Yield(x) = child.resume(()) {
            y.suspend(x);
        }
        pool.borrow_mut().push(child.into_stack());
    }
    let stack = pool.borrow_mut().pop().expect("one stack per tree level");
    let pool = Rc::clone(pool);
    corosensei::Coroutine::with_stack(stack, move |y: &corosensei::Yielder<(), u64>, ()| {
        let mid = middle(lo, hi);
        if lo < mid {
            delegate(y, &pool, corosensei_nested(&pool, lo, mid));
        }
        y.suspend(mid);
        if mid + 1 < hi {
            delegate(y, &pool, corosensei_nested(&pool, mid + 1, hi));
        }
    })
}

/// The `generator` crate: a generator (so a stack of its own, mapped at its creation) per
/// subtree, re-yielding its children's items.
pub(crate) fn generator_nested(lo: u64, hi: u64) -> generator::Generator<'static, (), u64> {
    generator::Gn::<()>::new_scoped(move |mut s| {
        let mid = middle(lo, hi);
        if lo < mid {
            for x in generator_nested(lo, mid) {
                s.yield_(x);
            }
        }
        s.yield_(mid);
        if mid + 1 < hi {
            for x in generator_nested(mid + 1, hi) {
                s.yield_(x);
            }
        }
        generator::done!()
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

/// The `cogen/pinned-by-value` row for the depth type `D` of depth `d`, and its floor.
fn by_value_rows<D: Depth>(rows: &mut impl Rows, d: u32) {
    let keys = keys(d);
    rows.row(
        "cogen/pinned-by-value",
        move || D::walk(0, keys),
        |g| sum(cogen::pin!(g)),
    );
    rows.row(
        "reference/await floor, no protocol (by value)",
        move || D::floor(0, keys),
        move |f| sum(FloorWalk::new(pin!(f), d)),
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
    rows.row(
        "baseline/from_fn (flat)",
        move || flat_from_fn(0, keys),
        sum,
    );
    rows.row("cogen/BoxGen", move || cogen_boxed(0, keys), sum);
    match d {
        10 => by_value_rows::<D10>(rows, d),
        14 => by_value_rows::<D14>(rows, d),
        18 => by_value_rows::<D18>(rows, d),
        22 => by_value_rows::<D22>(rows, d),
        _ => {}
    }
    rows.row(
        "genawaiter/rc",
        move || genawaiter_rc(0, keys),
        |g| sum(g.into_iter()),
    );
    rows.row(
        "genawaiter/stack",
        || (),
        move |()| {
            genawaiter::stack::let_gen_using!(g, |co| genawaiter_stack(0, keys, co));
            sum(g.into_iter())
        },
    );
    rows.row(
        "next-gen/boxed",
        || (),
        move |()| {
            next_gen::mk_gen!(let g = box next_gen_boxed(0, keys));
            sum(g)
        },
    );
    // The pool outlives the iterations: its `d` stacks are mapped once, by the first setup,
    // and every traversal gives them all back.
    let pool = StackPool::default();
    rows.row(
        "corosensei/nested",
        move || {
            let mut stacks = pool.borrow_mut();
            while stacks.len() < d as usize {
                stacks.push(corosensei::stack::DefaultStack::default());
            }
            drop(stacks);
            Rc::clone(&pool)
        },
        move |pool| {
            let mut co = corosensei_nested(&pool, 0, keys);
            let total = sum_coroutine(&mut co);
            pool.borrow_mut().push(co.into_stack());
            total
        },
    );
    // A stack mapped per generator (about 12 µs a key in the anchors' measures): too slow
    // for the deeper trees, so at depth 10 only.
    if d == 10 {
        rows.row("generator/nested", move || generator_nested(0, keys), sum);
    }
    rows.row(
        "corosensei/flat",
        move || corosensei_flat(0, keys),
        |mut co| sum_coroutine(&mut co),
    );
}
