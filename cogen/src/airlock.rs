//! The one core trick: a generator body is an `async` block, and a resume polls it with a
//! `Context` whose waker carries a pointer to a stack slot (the airlock) through which the
//! `yield` futures pass values in and out.
//!
//! The waker is never used to wake anything: a sync generator is resumed by its caller, not by
//! an executor. It is only a typed side channel that reaches exactly the futures the body is
//! polling, with no allocation, no thread-local and no pointer stored in the generator. (With
//! `std`, a thread-local block hands out generators' identities when they are made; no value
//! passes through it.)

use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

use crate::chain::Chain;
use crate::state::Suspension;
use crate::step::Input;

/// The part of an airlock whose layout does not depend on the value types, so that a `yield`
/// future can check whose airlock it has before it reads the typed part.
#[repr(C)]
pub(crate) struct Header {
    /// The identity of the `Gen` being resumed, which a `Co` compares with its own.
    owner: Identity,
    /// The waker of whoever polls the generator: an executor's for an async generator, a no-op
    /// waker for a sync resume. The airlock waker forwards wake-ups and clones to it, so a
    /// foreign future awaited in an async body wakes the real task.
    outer: *const Waker,
}

/// What a `yield` future hands back to the resume that polled it.
pub(crate) enum Outgoing<Y, E> {
    /// Nothing: the body returned `Pending` without yielding (it awaited a foreign future).
    Empty,
    /// The body returned `Pending` because the sub-generator of its `yield_from` awaits a
    /// foreign future.
    SubWaiting,
    /// The body suspended at a yield of this kind.
    Yield(Y, Suspension),
    /// The body raised an error (an unhandled throw, or `Co::raise`).
    Raise(E),
    /// The body let the close request propagate.
    Exit,
    /// A sub-generator yielded while being closed: PEP 380's `RuntimeError` passes through the
    /// delegating body, which is closed.
    SubIgnoredClose(Y),
}

/// One resume's exchange slot. Lives on the stack of `Gen::poll_body` for one poll.
#[repr(C)]
pub(crate) struct Airlock<Y, S, E> {
    header: Header,
    /// What the caller put in; a `yield` future takes it when the body resumes past it. `None`
    /// when an async generator's poll continues an operation that is waiting on a foreign
    /// future.
    pub(crate) incoming: Option<Input<S, E>>,
    pub(crate) outgoing: Outgoing<Y, E>,
    /// With a yield from inside a `yield_from`: the chain to record (see `chain.rs`).
    pub(crate) chain: Option<Chain<Y, S, E>>,
    /// A close request reached the body in this poll: a catching yield took `Input::Close`, or
    /// a `yield_from` forwarded one or raised it on a close's path. A body that then lets a
    /// close request out ends `Closed`; one that raises it with none asked ends `Exited`. (A
    /// plain yield never takes a close, which the resume handles without polling the body,
    /// but for a yield future kept alive by hand across resumes; it does not record one: the
    /// record in `Yield::poll`, cold as it is, made the body's poll too big to be inlined into
    /// a `send` loop, 1.0x -> 2.5x a hand-written state machine in `send_echo`.)
    pub(crate) closing: bool,
}

impl<Y, S, E> Airlock<Y, S, E> {
    /// `outer` must outlive the airlock.
    #[inline]
    pub(crate) fn new(owner: Identity, outer: &Waker, input: Option<Input<S, E>>) -> Self {
        Airlock {
            header: Header { owner, outer },
            incoming: input,
            outgoing: Outgoing::Empty,
            chain: None,
            closing: false,
        }
    }
}

/// The outer waker of a live airlock: the waker of whoever polls the generator.
///
/// # Safety
///
/// `airlock` is the live airlock of the current poll; the waker outlives it (`Airlock::new`).
#[inline(always)]
pub(crate) unsafe fn outer_waker<'a, Y, S, E>(airlock: *const Airlock<Y, S, E>) -> &'a Waker {
    // SAFETY: per the caller (an airlock is what `outer` needs).
    unsafe { outer(airlock.cast()) }
}

// The waker handed to a generator body. Its data pointer is the airlock. Cloning it gives a
// clone of the outer waker (an executor's, or a no-op one): never a waker with this vtable, so a
// copy that escapes the poll can never be taken for an airlock pointer (`Phase` invariant 4).
static AIRLOCK_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_outer, wake_outer, wake_outer, drop_nothing);

/// # Safety
///
/// `data` must be a live airlock (true while the airlock waker is reachable, see `Phase`
/// invariant 4: only a `&Waker` borrowed from the poll's `Context` exists).
unsafe fn outer<'a>(data: *const ()) -> &'a Waker {
    // SAFETY: per the caller, `data` is a live airlock, whose `repr(C)` layout starts with a
    // `Header`; `outer` was a `&Waker` that outlives the airlock (`Airlock::new`).
    unsafe { &*(*data.cast::<Header>()).outer }
}

fn clone_outer(data: *const ()) -> RawWaker {
    // SAFETY: the airlock waker is only reachable through `&Waker` during the poll, so `data`
    // is live (see `outer`).
    let waker = unsafe { outer(data) }.clone();
    let raw = RawWaker::new(waker.data(), waker.vtable());
    // The clone's ownership moves into the returned `RawWaker`.
    core::mem::forget(waker);
    raw
}

fn wake_outer(data: *const ()) {
    // SAFETY: as in `clone_outer`. (`wake` by value is unreachable: no owned airlock waker is
    // ever handed out; it forwards like `wake_by_ref` all the same.)
    unsafe { outer(data) }.wake_by_ref();
}

fn drop_nothing(_: *const ()) {}

/// A waker that carries `airlock`. It must not outlive the airlock; it is `ManuallyDrop`
/// because dropping it would only call `drop_nothing`.
#[inline]
pub(crate) fn airlock_waker<Y, S, E>(airlock: *mut Airlock<Y, S, E>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(airlock.cast_const().cast(), &AIRLOCK_VTABLE);
    // SAFETY: the `RawWaker` contract: `clone_outer` returns a waker equivalent for wake-ups
    // (the outer one, which is what should be woken), `wake_outer` wakes it, and the functions
    // are thread-safe because the outer waker is a `Waker` (`Send + Sync`). They dereference
    // the data pointer, which is valid for as long as the waker is reachable: the caller keeps
    // the airlock alive for the whole poll and hands out only `&Waker` (`Phase` invariant 4).
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// A generator's identity: a number that no other live generator has.
///
/// Two kinds, which can never be equal: an odd number taken from a global counter when the
/// generator is made ([`Identity::next`]; no generator of the program ever gets the same one,
/// and the counter stops, aborting, long before it could wrap), or the even address of an
/// [`IdentitySlot`] that the generator borrows exclusively for its whole life
/// ([`Identity::of_slot`]; two live objects never share an address, and the borrow keeps the
/// slot alive and unshared for as long as the generator lives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity(u64);

/// A place on the stack (or anywhere) whose address names a generator, so that making the
/// generator reads no thread-local and no shared counter: see
/// [`generator_in`](crate::generator_in).
///
/// A generator made in a slot borrows it mutably for as long as the generator lives, so one
/// slot serves one generator at a time, and can serve the next one once the previous one is
/// gone. The slot holds no data (its two bytes are never written) and needs no drop.
///
/// ```
/// let mut slot = cogen::IdentitySlot::new();
/// let first = cogen::pin!(cogen::generator_in(&mut slot, async |mut co| co.yield_(1).await));
/// assert_eq!(first.collect::<Vec<_>>(), [1]);
/// ```
///
/// Two live generators cannot share a slot:
///
/// ```compile_fail,E0499
/// let mut slot = cogen::IdentitySlot::new();
/// let a = cogen::generator_in(&mut slot, async |mut co| co.yield_(1).await);
/// let b = cogen::generator_in(&mut slot, async |mut co| co.yield_(2).await);
/// drop((a, b));
/// ```
///
/// and a generator cannot outlive its slot:
///
/// ```compile_fail,E0597
/// let g = {
///     let mut slot = cogen::IdentitySlot::new();
///     cogen::generator_in(&mut slot, async |mut co| co.yield_(1).await)
/// };
/// drop(g);
/// ```
// Aligned to 2, so that its address is even and never equal to a counter identity (odd).
#[repr(align(2))]
pub struct IdentitySlot {
    _never_read: core::mem::MaybeUninit<u8>,
}

impl IdentitySlot {
    /// A slot for one generator at a time.
    #[inline(always)]
    #[must_use]
    pub const fn new() -> Self {
        IdentitySlot {
            _never_read: core::mem::MaybeUninit::uninit(),
        }
    }
}

impl Default for IdentitySlot {
    #[inline(always)]
    fn default() -> Self {
        IdentitySlot::new()
    }
}

impl core::fmt::Debug for IdentitySlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentitySlot").finish_non_exhaustive()
    }
}

#[cfg(target_has_atomic = "64")]
type IdentityBits = u64;
#[cfg(not(target_has_atomic = "64"))]
type IdentityBits = usize;

impl Identity {
    /// A fresh identity.
    ///
    /// With `std`, each thread takes identities from a block of its own, reserved from the
    /// global counter [`IDENTITY_BLOCK`] numbers at a time: making a generator then costs a
    /// thread-local increment instead of an atomic read-modify-write on a shared cache line
    /// (which measured 3.4× a hand-written one-item iterator for the whole create-resume-drop
    /// cycle). Blocks never overlap, so identities stay unique across threads, which matters
    /// because a generator can be made on one thread and resumed on another.
    #[inline]
    pub(crate) fn next() -> Self {
        #[cfg(feature = "std")]
        {
            Identity(thread_block::next())
        }
        #[cfg(not(feature = "std"))]
        {
            Identity::from_number(reserve(1))
        }
    }
}

/// How many identities a thread reserves at once (fewer with a pointer-sized counter, so that
/// many short-lived threads cannot use it up).
#[cfg(feature = "std")]
const IDENTITY_BLOCK: IdentityBits = if IdentityBits::BITS >= 64 {
    1 << 16
} else {
    1 << 6
};

/// Reserves `count` consecutive identities from the global counter and returns the first.
#[inline]
fn reserve(count: IdentityBits) -> IdentityBits {
    #[cfg(target_has_atomic = "64")]
    static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
    #[cfg(not(target_has_atomic = "64"))]
    static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(1);
    // Relaxed: only uniqueness matters, and a read-modify-write is unique in any order.
    let first = NEXT.fetch_add(count, core::sync::atomic::Ordering::Relaxed);
    // The counter must never wrap: stop well before (no thread holds more than one block at a
    // time, and the margin is far larger than any number of threads).
    if first >= IDENTITY_LIMIT {
        identities_exhausted()
    }
    first
}

/// Identities stay below this: 2^55 with a 64-bit counter (at a billion generators a second,
/// a year of making nothing else), half the range of a pointer-sized one.
const IDENTITY_LIMIT: IdentityBits = if IdentityBits::BITS >= 64 {
    (1u64 << 55) as IdentityBits
} else {
    IdentityBits::MAX / 2
};

impl Identity {
    /// The identity of number `number` (below `IDENTITY_LIMIT`).
    #[cfg(not(feature = "std"))]
    #[inline(always)]
    #[allow(
        clippy::unnecessary_cast,
        reason = "the counter is `usize` on targets without 64-bit atomics"
    )]
    fn from_number(number: IdentityBits) -> Self {
        Identity(encode(number))
    }

    /// The identity named by `slot`'s address (even: the slot is aligned to 2), for a
    /// generator that borrows `slot` exclusively for its whole life.
    #[inline(always)]
    pub(crate) fn of_slot(slot: &mut IdentitySlot) -> Self {
        Identity(ptr::from_mut(slot).addr() as u64)
    }
}

/// Counter number `number` as an identity: odd, so never a slot's (even) address.
#[inline(always)]
#[allow(
    clippy::unnecessary_cast,
    reason = "the counter is `usize` on targets without 64-bit atomics"
)]
const fn encode(number: IdentityBits) -> u64 {
    (number as u64) * 2 + 1
}

#[cfg(feature = "std")]
mod thread_block {
    use core::cell::Cell;

    use super::{IDENTITY_BLOCK, encode, reserve};

    std::thread_local! {
        /// The next identity of this thread's block and the end of the block, encoded (odd;
        /// `0..0` until the first generator is made on the thread). No destructor, so it is
        /// usable for the whole life of the thread.
        static BLOCK: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// The next identity, encoded.
    #[inline]
    pub(super) fn next() -> u64 {
        BLOCK.with(|block| {
            let (next, end) = block.get();
            if next < end {
                block.set((next + 2, end));
                next
            } else {
                refill(block)
            }
        })
    }

    #[cold]
    #[inline(never)]
    fn refill(block: &Cell<(u64, u64)>) -> u64 {
        let first = reserve(IDENTITY_BLOCK);
        let (next, end) = (encode(first), encode(first + IDENTITY_BLOCK));
        block.set((next + 2, end));
        next
    }
}

#[cold]
#[inline(never)]
fn identities_exhausted() -> ! {
    // Unreachable with 64 bits; with fewer, reusing a number could confuse two generators'
    // types, so stop instead. A panic could be caught and the counter is already spent.
    struct Abort;
    impl Drop for Abort {
        fn drop(&mut self) {
            panic!("cogen: generator identities exhausted");
        }
    }
    let _abort = Abort;
    panic!("cogen: generator identities exhausted");
}

/// Identity of the generator a `Co` belongs to, and the typed access to its airlock.
///
/// `Key` is what makes the typed read sound: a `yield` future of a `Co<Y, S, E>` only ever
/// reads an airlock whose header names *its own* generator, and that generator's airlock has
/// the same `Y, S, E` because the generator created this `Co` with those types. Identities
/// are unique for the program's life, and a `Co` cannot outlive its body (its brand), so no
/// other generator, nested in the body or made after it, can pass for its own.
pub(crate) struct Key<Y, S, E> {
    owner: Identity,
    // `Cell` makes the key (and so `Co`) invariant in every type, `Send` exactly when the
    // types are `Send`, and `!Sync`. Invariance is what stops a yielded value that lives
    // shorter than the item type (async-stream #107).
    _types: PhantomData<core::cell::Cell<(Y, S, E)>>,
}

impl<Y, S, E> Clone for Key<Y, S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Y, S, E> Copy for Key<Y, S, E> {}

impl<Y, S, E> core::fmt::Debug for Key<Y, S, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key").field("owner", &self.owner).finish()
    }
}

/// A copy of a `Co`'s key that keeps the `Co` mutably borrowed: what a `yield` future holds.
///
/// Not a `&mut Key`: a pointer into the body stored inside the body makes LLVM treat the whole
/// generator as escaped, which keeps every local of the body in memory across the consumer's
/// code (measured: a counting generator at 4× a hand-written iterator with the reference,
/// 1.0× with the copy). The borrow still stops two yields from being in flight at once.
pub(crate) struct HeldKey<'c, Y, S, E> {
    key: Key<Y, S, E>,
    _co: PhantomData<&'c mut Key<Y, S, E>>,
}

impl<'c, Y, S, E> HeldKey<'c, Y, S, E> {
    #[inline]
    pub(crate) fn new(key: &'c mut Key<Y, S, E>) -> Self {
        HeldKey {
            key: *key,
            _co: PhantomData,
        }
    }

    /// As [`Key::airlock`].
    #[inline]
    pub(crate) fn airlock(&self, waker: &Waker) -> *mut Airlock<Y, S, E> {
        self.key.airlock(waker)
    }
}

impl<Y, S, E> Key<Y, S, E> {
    /// The key of the generator with identity `owner`.
    pub(crate) fn new(owner: Identity) -> Self {
        Key {
            owner,
            _types: PhantomData,
        }
    }

    /// The airlock of the resume that is polling now, if it belongs to this key's generator.
    ///
    /// # Panics
    ///
    /// If the current waker is not the airlock waker of this key's generator: the handle was
    /// used inside another generator's body (or polled by an executor), which could otherwise
    /// confuse value types.
    #[inline]
    pub(crate) fn airlock(&self, waker: &Waker) -> *mut Airlock<Y, S, E> {
        let foreign = !ptr::eq(waker.vtable(), &AIRLOCK_VTABLE)
            // SAFETY: the vtable is ours (checked first, `||` short-circuits), so the data
            // pointer is a live airlock whose `repr(C)` layout starts with `Header`.
            || unsafe { (*waker.data().cast::<Header>()).owner } != self.owner;
        if foreign {
            wrong_generator()
        }
        waker.data().cast_mut().cast()
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn wrong_generator() -> ! {
    panic!(
        "a cogen yield handle (`Co`) was used outside its own generator's body: \
         a `Co` can only yield from the generator that created it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_identities_are_odd_and_never_repeat_across_blocks() {
        // More than one block on this thread (under Miri, within the first block only).
        let count = if cfg!(miri) { 1_000 } else { 3 * 65_536 };
        let mut previous = Identity::next();
        assert_eq!(previous.0 % 2, 1);
        for _ in 0..count {
            let identity = Identity::next();
            assert_eq!(identity.0 % 2, 1, "{identity:?}");
            // Blocks come from a counter that only grows, and each block is handed out in
            // order: a thread's identities increase.
            assert!(identity.0 > previous.0, "{identity:?} after {previous:?}");
            previous = identity;
        }
    }

    #[test]
    fn slot_identities_are_even_and_differ_between_live_slots() {
        let mut slots = [
            IdentitySlot::new(),
            IdentitySlot::new(),
            IdentitySlot::new(),
        ];
        let identities = slots.each_mut().map(Identity::of_slot);
        for (i, identity) in identities.iter().enumerate() {
            assert_eq!(identity.0 % 2, 0, "{identity:?}");
            assert!(!identities[..i].contains(identity), "{identities:?}");
        }
    }
}
