//! Memory of one live generator: the `yield_sum` counter, created and resumed once, so that it
//! is suspended at its first yield (the anchors' "memory per live generator" table).

use std::hint::black_box;
use std::mem::size_of_val;

use cogen::Generator;

use super::yield_sum::{
    cogen_counter, corosensei_counter, genawaiter_counter, generator_counter, next_gen_counter,
};

/// Heap use measured around a piece of code: bytes and allocations made (frees not counted).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Heap {
    pub(crate) bytes: usize,
    pub(crate) allocs: usize,
}

/// One row: where the generator lives and how big it is there.
#[derive(Debug)]
pub(crate) struct MemoryRow {
    pub(crate) name: &'static str,
    /// `size_of` of what sits in the owner's frame or struct: the generator (when pinned in
    /// place) plus its handle.
    pub(crate) inline: usize,
    /// Heap allocated to create it and run it to its first yield.
    pub(crate) heap: Heap,
    /// Memory that neither figure shows.
    pub(crate) note: &'static str,
}

/// Starts and stops the heap count of the program's allocator.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeapCounter {
    /// Resets the count and starts counting.
    pub(crate) start: fn(),
    /// Stops counting and reports what was allocated since `start`.
    pub(crate) stop: fn() -> Heap,
}

/// Measures every implementation: creates it and runs it to its first yield between `start`
/// and `stop` (its drop is not counted: the stackful crates unwind their stack there).
pub(crate) fn rows(counter: HeapCounter) -> Vec<MemoryRow> {
    const N: u64 = 1000;
    let HeapCounter { start, stop } = counter;
    let mut out = Vec::new();
    let mut row = |name, note, f: &mut dyn FnMut() -> (usize, Heap)| {
        // A first run not reported, so that lazily initialised thread-locals (the stackful
        // crates keep some) are not counted as the generator's.
        f();
        let (inline, heap) = f();
        out.push(MemoryRow {
            name,
            inline,
            heap,
            note,
        });
    };

    row("cogen/pinned (`pin!`)", "", &mut || {
        start();
        let g = cogen::pin!(cogen_counter(N));
        let _ = black_box(g.resume());
        let heap = stop();
        (size_of_val(g.as_pin().get_ref()) + size_of_val(&g), heap)
    });
    row("cogen/boxed", "", &mut || {
        start();
        let g = cogen_counter(N).boxed();
        let _ = black_box(g.resume());
        (size_of_val(&g), stop())
    });
    row("cogen/BoxGen (dyn)", "", &mut || {
        start();
        let g = cogen_counter(N).boxed_dyn();
        let _ = black_box(g.resume());
        (size_of_val(&g), stop())
    });
    row("genawaiter/stack (`Shelf` + handle)", "", &mut || {
        let inline = genawaiter_stack_size(&genawaiter_counter!(N));
        start();
        genawaiter::stack::let_gen_using!(g, genawaiter_counter!(N));
        black_box(g.resume());
        (inline, stop())
    });
    row("genawaiter/rc", "", &mut || {
        start();
        let mut g = genawaiter::rc::Gen::new(genawaiter_counter!(N));
        black_box(g.resume());
        (size_of_val(&g), stop())
    });
    row(
        "corosensei",
        "+ 1 MiB stack mapped (one guard page), a few KiB resident",
        &mut || {
            start();
            let mut co = corosensei_counter(N);
            black_box(co.resume(()));
            (size_of_val(&co), stop())
        },
    );
    row(
        "generator",
        "+ 32 KiB stack mapped (one guard page); its state lives on that stack",
        &mut || {
            start();
            let mut g = generator_counter(N);
            black_box(g.resume());
            (size_of_val(&g), stop())
        },
    );
    row("next-gen (`mk_gen!`)", "", &mut || {
        start();
        next_gen::mk_gen!(let mut g = next_gen_counter(N));
        black_box(g.as_mut().resume(()));
        let heap = stop();
        let size = size_of_val(&*g) + size_of_val(&g);
        // Run it to its end: dropping a suspended next-gen 0.1.1 generator can abort (see
        // `create_small`'s module docs).
        g.for_each(drop);
        (size, heap)
    });
    out
}

/// `size_of` a genawaiter stack generator (its `Shelf` plus the handle) for `producer`.
fn genawaiter_stack_size<'s, P, F>(_producer: &P) -> usize
where
    P: FnOnce(genawaiter::stack::Co<'s, u64>) -> F,
    F: std::future::Future + 's,
{
    size_of::<genawaiter::stack::Shelf<u64, (), F>>()
        + size_of::<genawaiter::stack::Gen<'s, u64, (), F>>()
}
