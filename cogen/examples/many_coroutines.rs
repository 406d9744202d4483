//! Mirrors Python's "a hundred thousand coroutines are cheap" (asyncio tasks, each an `async
//! def` that awaits a few times): 100,000 concurrent cogen coroutines on one thread, first as
//! async generators (PEP 525), then as generator-based coroutines (`types.coroutine`, run with
//! `cogen::drive`), each awaiting `tokio::task::yield_now()` a few times.
//!
//! Prints the elapsed time, the time per coroutine, the resident memory (`VmRSS` of
//! `/proc/self/status`) before, while all are alive, and after, and the bytes one coroutine
//! takes: the size of its future and the heap it holds (counted by a global allocator that
//! tracks live bytes, installed only when this file is built as the example). Run it with
//! `cargo run --release --example many_coroutines [COUNT]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Write};
use std::mem::size_of_val;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cogen::{Co, coroutine};
use futures::StreamExt;
use futures::stream::FuturesUnordered;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is `GlobalAlloc::alloc`'s, which `System` has.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as in `alloc`: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

// Not in the test binary (which includes this file as a module): it has its own allocator.
#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes allocated now, if the counting allocator is installed (it has counted something
/// by the time a runtime exists).
fn heap_bytes() -> Option<u64> {
    let live = LIVE_BYTES.load(Ordering::Relaxed);
    (live > 0).then_some(live as u64)
}

/// How many times each coroutine awaits (and, for async generators, yields).
const STEPS: u64 = 3;

fn main() -> io::Result<()> {
    let count = std::env::args()
        .nth(1)
        .map_or(Ok(100_000), |arg| arg.parse())
        .map_err(io::Error::other)?;
    run(count, &mut io::stdout().lock())?;
    Ok(())
}

/// What one section measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The sum of what the coroutines produced.
    pub checksum: u64,
    /// How many coroutines finished.
    pub finished: usize,
    /// How many were alive (started, not finished) at once, at most.
    pub max_alive: usize,
}

/// The checksum a section must compute for `count` coroutines: coroutine `id` produces
/// `id + step` for each step.
pub fn expected_checksum(count: usize) -> u64 {
    let count = count as u64;
    STEPS * count * (count.saturating_sub(1)) / 2 + count * (STEPS * (STEPS - 1) / 2)
}

/// Runs both sections with `count` coroutines each, printing to `out`.
pub fn run(count: usize, out: &mut impl Write) -> io::Result<[Section; 2]> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let first = async_generators(&runtime, count, out)?;
    let second = driven_coroutines(&runtime, count, out)?;
    writeln!(
        out,
        "note: the first section's time includes the page faults that grow the heap; the \
         second reuses those pages"
    )?;
    Ok([first, second])
}

/// Counts the coroutines alive at once, and reads the resident memory when all have started.
#[derive(Default)]
struct Census {
    alive: Cell<usize>,
    max_alive: Cell<usize>,
    started: Cell<usize>,
    finished: Cell<usize>,
    /// When the last coroutine started: `VmRSS`, the live heap bytes, and how many had
    /// finished by then.
    all_started: Cell<Option<(Option<u64>, Option<u64>, usize)>>,
}

impl Census {
    fn start(&self, count: usize) {
        self.alive.set(self.alive.get() + 1);
        self.max_alive
            .set(self.max_alive.get().max(self.alive.get()));
        self.started.set(self.started.get() + 1);
        if self.started.get() == count {
            self.all_started
                .set(Some((resident_bytes(), heap_bytes(), self.finished.get())));
        }
    }

    fn finish(&self) {
        self.alive.set(self.alive.get() - 1);
        self.finished.set(self.finished.get() + 1);
    }
}

/// Section 1: each coroutine is an async generator that awaits, then yields, `STEPS` times;
/// a consumer future sums it. All consumers run in one `FuturesUnordered` on the runtime's
/// thread.
fn async_generators(
    runtime: &tokio::runtime::Runtime,
    count: usize,
    out: &mut impl Write,
) -> io::Result<Section> {
    let census = Rc::new(Census::default());
    // Python: async def ticker(id): for step in range(3): await asyncio.sleep(0); yield id + step
    let ticker = |id: u64, census: Rc<Census>| {
        cogen::async_generator(async move |mut co| {
            census.start(count);
            for step in 0..STEPS {
                tokio::task::yield_now().await;
                co.yield_(id + step).await;
            }
            census.finish();
        })
    };
    let consumer = |id: u64, census: Rc<Census>| async move {
        let ticks = std::pin::pin!(ticker(id, census));
        ticks.fold(0u64, |total, x| async move { total + x }).await
    };
    let generator_size = size_of_val(&ticker(0, census.clone()));
    let consumer_size = size_of_val(&consumer(0, census.clone()));
    writeln!(
        out,
        "== {count} async generators on one thread, each awaiting yield_now() and yielding \
         {STEPS} times"
    )?;
    writeln!(
        out,
        "size: one async generator {generator_size} B, inside its consumer future \
         {consumer_size} B (+ the FuturesUnordered task node on the heap)"
    )?;
    section(runtime, count, out, &census, consumer_size, |id| {
        consumer(id, census.clone())
    })
}

/// Section 2: each coroutine is a generator-based coroutine (a sync `coroutine` body that
/// yields requests) run by `cogen::drive`, whose handler turns each request into
/// `yield_now()`; its return value is the checksum part.
fn driven_coroutines(
    runtime: &tokio::runtime::Runtime,
    count: usize,
    out: &mut impl Write,
) -> io::Result<Section> {
    /// What the coroutine asks its driver for (Beazley's "system call" traps).
    #[derive(Debug)]
    enum Request {
        /// Let the others run.
        Pass,
    }
    let census = Rc::new(Census::default());
    // Python: @types.coroutine
    //         def worker(id): total = 0
    //             for step in range(3): yield PASS; total += id + step
    //             return total
    let worker = |id: u64, census: Rc<Census>| {
        cogen::drive(
            coroutine(async move |mut co: Co<'_, Request>| {
                census.start(count);
                let mut total = 0;
                for step in 0..STEPS {
                    co.yield_(Request::Pass).await;
                    total += id + step;
                }
                census.finish();
                total
            }),
            |Request::Pass| tokio::task::yield_now(),
        )
    };
    let worker_size = size_of_val(&worker(0, census.clone()));
    writeln!(
        out,
        "== {count} generator-based coroutines (cogen::drive) on one thread, each yielding \
         {STEPS} requests its driver turns into yield_now()"
    )?;
    writeln!(
        out,
        "size: one driven coroutine {worker_size} B (+ the FuturesUnordered task node on the \
         heap)"
    )?;
    section(runtime, count, out, &census, worker_size, |id| {
        worker(id, census.clone())
    })
}

/// Runs `count` futures made by `make` concurrently in one `FuturesUnordered`, and prints the
/// time and memory they took.
fn section<F: Future<Output = u64>>(
    runtime: &tokio::runtime::Runtime,
    count: usize,
    out: &mut impl Write,
    census: &Census,
    future_size: usize,
    make: impl Fn(u64) -> F,
) -> io::Result<Section> {
    let before = resident_bytes();
    let heap_before = heap_bytes();
    let start = Instant::now();
    let checksum = runtime.block_on(async {
        let mut all: FuturesUnordered<F> = (0..count as u64).map(make).collect();
        let mut checksum = 0u64;
        while let Some(part) = all.next().await {
            checksum += part;
        }
        checksum
    });
    let elapsed = start.elapsed();
    let after = resident_bytes();

    let (all_alive, heap_all_alive, finished_then) =
        census.all_started.get().unwrap_or((None, None, 0));
    writeln!(
        out,
        "elapsed: {} ({} per coroutine)",
        duration(elapsed),
        duration(elapsed / u32::try_from(count.max(1)).unwrap_or(u32::MAX)),
    )?;
    writeln!(
        out,
        "resident memory (VmRSS): before {}, when all had started ({finished_then} \
         finished) {}, after {} (freed pages stay with the allocator)",
        mebibytes(before),
        mebibytes(all_alive),
        mebibytes(after),
    )?;
    let per_coroutine = |before: Option<u64>, during: Option<u64>| match (before, during) {
        (Some(before), Some(during)) if count > 0 => {
            format!("{} B", during.saturating_sub(before) / count as u64)
        }
        _ => "unavailable".to_string(),
    };
    writeln!(
        out,
        "bytes per coroutine: future {future_size} B, heap {} (future + task node), \
         resident {}",
        per_coroutine(heap_before, heap_all_alive),
        per_coroutine(before, all_alive),
    )?;
    writeln!(
        out,
        "{} finished, at most {} alive at once, checksum {checksum} ({})",
        census.finished.get(),
        census.max_alive.get(),
        if checksum == expected_checksum(count) {
            "ok"
        } else {
            "WRONG"
        },
    )?;
    Ok(Section {
        checksum,
        finished: census.finished.get(),
        max_alive: census.max_alive.get(),
    })
}

/// `VmRSS` from `/proc/self/status`, in bytes; `None` where it cannot be read.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn mebibytes(bytes: Option<u64>) -> String {
    match bytes {
        Some(bytes) => format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)),
        None => "unavailable".to_string(),
    }
}

fn duration(d: Duration) -> String {
    if d >= Duration::from_millis(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else if d >= Duration::from_micros(1) {
        format!("{:.2} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{} ns", d.as_nanos())
    }
}
