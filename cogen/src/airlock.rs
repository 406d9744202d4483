//! The one core trick: a generator body is an `async` block, and a resume polls it with a
//! `Context` whose waker carries a pointer to a stack slot (the airlock) through which the
//! `yield` futures pass values in and out.
//!
//! The waker is never used to wake anything: a sync generator is resumed by its caller, not by
//! an executor. It is only a typed side channel that reaches exactly the futures the body is
//! polling, with no allocation, no thread-local and no pointer stored in the generator.

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
    /// Address of the phase cell of the `Gen` being resumed: the identity a `Co` compares
    /// against. The phase cell is outside the body, so no generator nested in the body (even
    /// at offset 0 of it) can have the same address while this one is alive.
    owner: usize,
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
}

impl<Y, S, E> Airlock<Y, S, E> {
    /// `outer` must outlive the airlock.
    #[inline]
    pub(crate) fn new(owner: usize, outer: &Waker, input: Option<Input<S, E>>) -> Self {
        Airlock {
            header: Header { owner, outer },
            incoming: input,
            outgoing: Outgoing::Empty,
            chain: None,
        }
    }
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

/// Identity of the generator a `Co` belongs to, and the typed access to its airlock.
///
/// `Key` is what makes the typed read sound: a `yield` future of a `Co<Y, S, E>` only ever
/// reads an airlock whose header names *its own* generator, and that generator's airlock has
/// the same `Y, S, E` because the generator created this `Co` with those types.
#[derive(Debug)]
pub(crate) struct Key<Y, S, E> {
    owner: usize,
    // `Cell` makes the key (and so `Co`) invariant in every type, `Send` exactly when the
    // types are `Send`, and `!Sync`. Invariance is what stops a yielded value that lives
    // shorter than the item type (async-stream #107).
    _types: PhantomData<core::cell::Cell<(Y, S, E)>>,
}

impl<Y, S, E> Key<Y, S, E> {
    /// The key for the generator resuming now.
    ///
    /// # Panics
    ///
    /// If `waker` is not a generator's airlock waker: the body was polled by something other
    /// than its generator.
    #[inline]
    pub(crate) fn current(waker: &Waker) -> Self {
        assert!(
            ptr::eq(waker.vtable(), &AIRLOCK_VTABLE),
            "a cogen generator body was polled by something other than its generator"
        );
        let header = waker.data().cast::<Header>();
        // SAFETY: the vtable is ours, so the data pointer is the airlock of the resume that is
        // polling now (`Phase` invariant 4), alive for this poll; `Airlock` is `repr(C)` with
        // `Header` first, so the pointer is a valid `Header` pointer whatever the value types.
        let owner = unsafe { (*header).owner };
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
