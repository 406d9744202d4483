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
}

/// What a `yield` future hands back to the resume that polled it.
pub(crate) enum Outgoing<Y, E> {
    /// Nothing: the body returned `Pending` without yielding (it awaited a foreign future).
    Empty,
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

/// One resume's exchange slot. Lives on the stack of `Gen::resume_with` for one poll.
#[repr(C)]
pub(crate) struct Airlock<Y, S, E> {
    header: Header,
    /// What the caller put in; a `yield` future takes it when the body resumes past it.
    pub(crate) incoming: Option<Input<S, E>>,
    pub(crate) outgoing: Outgoing<Y, E>,
}

impl<Y, S, E> Airlock<Y, S, E> {
    pub(crate) fn new(owner: usize, input: Input<S, E>) -> Self {
        Airlock {
            header: Header { owner },
            incoming: Some(input),
            outgoing: Outgoing::Empty,
        }
    }
}

// The waker handed to a generator body. Its data pointer is the airlock; cloning it yields a
// no-op waker (other vtable), so a copy that escapes the poll can never be taken for an airlock
// pointer (`Phase` invariant 4).
static AIRLOCK_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_to_noop, noop, noop, noop);
static NOOP_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_to_noop, noop, noop, noop);

fn clone_to_noop(_: *const ()) -> RawWaker {
    RawWaker::new(ptr::null(), &NOOP_VTABLE)
}

fn noop(_: *const ()) {}

/// A waker that carries `airlock`. It must not outlive the airlock; it is `ManuallyDrop`
/// because dropping it would only call `noop`.
pub(crate) fn airlock_waker<Y, S, E>(airlock: *mut Airlock<Y, S, E>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(airlock.cast_const().cast(), &AIRLOCK_VTABLE);
    // SAFETY: every function of `AIRLOCK_VTABLE` ignores the data pointer (clone returns a
    // no-op waker, wake and drop do nothing), so the `RawWaker` contract (thread safety, clone
    // producing an equivalent waker that stays valid) holds whatever the pointer is.
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
