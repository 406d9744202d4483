//! A quick run of every benchmark workload, printed as markdown tables with ratios to the
//! hand-written rows and to the anchor crates' published ratios:
//! `cargo run --release --example bench_table`.
//!
//! The workloads are the criterion benches' own (`benches/workloads/`), timed by a simple loop:
//! the rows of all workloads take turns, each repetition in a fresh order of rows, and the
//! median of the repetitions is printed. Use `cargo bench` for confidence intervals.
//!
//! Arguments name the workloads to run (`cargo run --release --example bench_table --
//! yield_sum tree_d18`; an unknown name is refused with the list of names); with none, every
//! workload runs, and the growth and memory tables are printed too.

// The `cogen/pinned-by-value` row nests 18 generator types inside each other; computing their
// layout goes deeper than the default limit (128): about 14 levels of query per nested
// generator with the core of this writing.
#![recursion_limit = "1024"]

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use workloads::memory::{Heap, HeapCounter};
use workloads::{Rows, check, create_small, memory, send_echo, stream_sum, tree, yield_sum};

/// Counts heap allocations while `COUNTING` is set (only for the memory table; the timed loops
/// run with it off, paying one relaxed load per allocation).
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counters are plain atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded with the caller's layout (see the impl's comment).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout, which `System` allocated.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn start_counting() {
    ALLOCATED.store(0, Relaxed);
    ALLOCS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
}

fn stop_counting() -> Heap {
    COUNTING.store(false, Relaxed);
    Heap {
        bytes: ALLOCATED.load(Relaxed),
        allocs: ALLOCS.load(Relaxed),
    }
}

/// Repetitions per row; the median is printed.
const REPS: usize = 9;

/// What one repetition of a row lasts at least: a workload shorter than this (a small tree,
/// `create_small`) is run several times in a row within the repetition, so that what the
/// previous row left in the caches and branch predictors is paid once, not on every run.
const SAMPLE: Duration = Duration::from_millis(5);

/// Runs a row's workload `n` times (each with a fresh, untimed setup); their total time.
type Timed = Box<dyn FnMut(u32) -> Duration>;

/// The rows of every workload, checked as they are listed, then timed in turns.
struct TableRows {
    /// The workload being listed, and the checksum its rows must compute.
    workload: String,
    expected: u64,
    /// Each row with the index of its workload.
    rows: Vec<(usize, &'static str, Timed)>,
    section: usize,
}

impl Rows for TableRows {
    fn row<I: 'static>(
        &mut self,
        name: &'static str,
        mut setup: impl FnMut() -> I + 'static,
        mut run: impl FnMut(I) -> u64 + 'static,
    ) {
        check(&self.workload, name, self.expected, &mut setup, &mut run);
        self.rows.push((
            self.section,
            name,
            Box::new(move |n| {
                let mut total = Duration::ZERO;
                for _ in 0..n {
                    let input = setup();
                    let start = Instant::now();
                    let out = run(input);
                    total += start.elapsed();
                    black_box(out);
                }
                total
            }),
        ));
    }
}

/// A workload to time: its name, the row its ratios are taken to, how many items one run
/// processes, the checksum every row must compute, and the list of its rows.
struct Workload {
    name: String,
    reference: &'static str,
    items: u64,
    expected: u64,
    list: Box<dyn FnOnce(&mut TableRows)>,
}

fn workload(
    name: &str,
    reference: &'static str,
    items: u64,
    expected: u64,
    list: impl FnOnce(&mut TableRows) + 'static,
) -> Workload {
    Workload {
        name: name.to_owned(),
        reference,
        items,
        expected,
        list: Box::new(list),
    }
}

/// One timed workload: its rows' median ns per item.
struct Measured {
    workload: String,
    /// The row the ratios are taken to.
    reference: &'static str,
    rows: Vec<(&'static str, f64)>,
}

/// Times the rows of all `workloads` together: every repetition runs every row of every
/// workload, in a rotated order, so that a machine that speeds up or slows down during the
/// run (a shared machine does) moves all rows alike, and figures from different tables (the
/// tree's growth from d10 to d22) compare as well as rows of one table do. Timed one table
/// after another, the same build's `BoxGen` tree once measured 1.39x growth from d10 to d22
/// in a full run and 0.94-0.99x when the two depths ran close together.
fn measure(workloads: Vec<Workload>) -> Vec<Measured> {
    let mut table = TableRows {
        workload: String::new(),
        expected: 0,
        rows: Vec::new(),
        section: 0,
    };
    let mut heads = Vec::new();
    for (section, w) in workloads.into_iter().enumerate() {
        table.workload = w.name.clone();
        table.expected = w.expected;
        table.section = section;
        (w.list)(&mut table);
        heads.push((w.name, w.reference, w.items));
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(REPS); table.rows.len()];
    // One warm-up pass, which also sets how many runs make a repetition of each row, then
    // REPS passes, each in a rotated order of rows.
    let runs: Vec<u32> = table
        .rows
        .iter_mut()
        .map(|(_, _, row)| {
            let once = row(1).max(Duration::from_nanos(1));
            u32::try_from(SAMPLE.as_nanos().div_ceil(once.as_nanos())).unwrap_or(u32::MAX)
        })
        .collect();
    for rep in 0..REPS {
        let len = table.rows.len();
        for k in 0..len {
            let i = (k + rep) % len;
            times[i].push((table.rows[i].2)(runs[i]) / runs[i]);
        }
    }
    let medians: Vec<(usize, &'static str, Duration)> = table
        .rows
        .iter()
        .zip(times)
        .map(|(&(section, name, _), mut t)| {
            t.sort();
            (section, name, t[t.len() / 2])
        })
        .collect();
    heads
        .into_iter()
        .enumerate()
        .map(|(section, (workload, reference, items))| Measured {
            workload,
            reference,
            rows: medians
                .iter()
                .filter(|&&(s, _, _)| s == section)
                .map(|&(_, name, median)| (name, median.as_secs_f64() * 1e9 / items as f64))
                .collect(),
        })
        .collect()
}

/// The anchors' medians (ns per item) from `shared/bench/anchor-results.md`, for the rows
/// measured here that correspond to one of theirs: `(workload, row here, ns)`. Three names
/// differ: their `next-gen`, `corosensei/nested (stack pool)` and, in the tree,
/// `baseline/struct` are `next-gen/boxed`, `corosensei/nested` and `baseline/flat-stack` here.
const ANCHORS: &[(&str, &str, f64)] = &[
    ("yield_sum", "baseline/struct", 0.24),
    ("yield_sum", "baseline/from_fn", 0.24),
    ("yield_sum", "genawaiter/stack", 2.66),
    ("yield_sum", "genawaiter/rc", 2.59),
    ("yield_sum", "corosensei", 2.04),
    ("yield_sum", "generator", 10.4),
    ("yield_sum", "next-gen", 2.36),
    ("send_echo", "baseline/struct", 0.33),
    ("send_echo", "genawaiter/stack", 1.93),
    ("send_echo", "genawaiter/rc", 2.80),
    ("send_echo", "corosensei", 2.29),
    ("send_echo", "generator", 15.6),
    ("send_echo", "next-gen", 2.10),
    ("tree_d10", "baseline/nested-struct", 25.0),
    ("tree_d10", "genawaiter/rc", 90.1),
    ("tree_d10", "genawaiter/stack", 92.0),
    ("tree_d10", "next-gen/boxed", 67.3),
    ("tree_d10", "corosensei/nested", 87.9),
    ("tree_d10", "corosensei/flat", 18.8),
    ("tree_d10", "baseline/flat-stack", 1.50),
    ("tree_d10", "baseline/from_fn (flat)", 1.48),
    ("tree_d18", "baseline/nested-struct", 66.6),
    ("tree_d18", "genawaiter/rc", 188.0),
    ("tree_d18", "genawaiter/stack", 185.0),
    ("tree_d18", "next-gen/boxed", 113.0),
    ("tree_d18", "corosensei/nested", 150.0),
    ("tree_d18", "corosensei/flat", 10.2),
    ("tree_d18", "baseline/flat-stack", 1.51),
    ("tree_d18", "baseline/from_fn (flat)", 1.53),
    ("create_small", "baseline/struct", 0.24),
    ("create_small", "baseline/from_fn", 0.24),
    ("create_small", "genawaiter/stack", 2.00),
    ("create_small", "genawaiter/rc", 19.0),
    ("create_small", "next-gen", 2.56),
    ("stream_sum", "baseline/hand-written Stream", 0.56),
    ("stream_sum", "async-stream/stream!", 1.80),
    ("stream_sum", "genawaiter/rc", 2.82),
    ("stream_sum", "genawaiter/stack", 2.92),
];

fn anchor(workload: &str, row: &str) -> Option<f64> {
    ANCHORS
        .iter()
        .find(|(w, r, _)| *w == workload && *r == row)
        .map(|&(_, _, ns)| ns)
}

fn print_table(m: &Measured) {
    let reference = m
        .rows
        .iter()
        .find(|(name, _)| *name == m.reference)
        .map_or(f64::NAN, |&(_, ns)| ns);
    let anchor_reference = anchor(&m.workload, m.reference);
    println!("### {}\n", m.workload);
    println!(
        "| implementation | median ns/item | ratio to `{}` | anchors' ratio |",
        m.reference
    );
    println!("|---|---:|---:|---:|");
    for &(name, ns) in &m.rows {
        let anchor_ratio = match (anchor(&m.workload, name), anchor_reference) {
            (Some(a), Some(r)) => format!("{:.2}", a / r),
            _ => String::new(),
        };
        println!(
            "| {name} | {ns:.2} | {:.2} | {anchor_ratio} |",
            ns / reference
        );
    }
    println!();
}

/// The growth question of the tree workload: each row's cost per key at the deepest tree
/// against the shallowest (the target for cogen: at most 1.3×).
fn print_growth(shallow: &Measured, deep: &Measured) {
    // Not `### tree_…`: `scripts/bench_chart.py` draws the tables by the heading's first word.
    println!(
        "### growth per key, {} → {}\n",
        shallow.workload, deep.workload
    );
    println!(
        "| implementation | ns/key, {} | ns/key, {} | growth |",
        shallow.workload, deep.workload
    );
    println!("|---|---:|---:|---:|");
    for &(name, shallow_ns) in &shallow.rows {
        if let Some(&(_, deep_ns)) = deep.rows.iter().find(|(row, _)| *row == name) {
            println!(
                "| {name} | {shallow_ns:.2} | {deep_ns:.2} | {:.2}× |",
                deep_ns / shallow_ns
            );
        }
    }
    println!();
}

fn machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(
            || "rustc (unknown version)".to_owned(),
            |s| s.trim().to_owned(),
        );
    println!("# cogen benchmark table\n");
    println!("- machine: {cores} cores (`nproc`), {cpu}");
    println!("- compiler: {rustc}");
    println!(
        "- profile: {}",
        if cfg!(debug_assertions) {
            "DEBUG (run with --release: these numbers mean nothing)"
        } else {
            "optimised (the workspace's release profile has the fat LTO and single codegen unit \
             that `cargo bench` uses)"
        }
    );
    println!(
        "- median of {REPS} repetitions per row, after one warm-up pass; each repetition runs \
         every row of every workload, in a rotated order, and a short workload as many times \
         as fill {} ms; checksums verified before timing\n",
        SAMPLE.as_millis()
    );
    println!(
        "Compare ratios, not times: a row with the reference row of its own table, and with \
         the anchors' ratio (same workload, measured by `shared/bench/anchor-results.md` on a \
         machine like this one). Ratios carry over between runs on one kind of processor; \
         between processors some move too (a boxed loop, which waits on memory, most).\n"
    );
}

/// Resident memory of one million suspended boxed cogen generators (the target: under
/// 128 MiB), read from `/proc/self/status`.
fn one_million_boxed() {
    fn rss_kib() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
    const N: usize = 1_000_000;
    let before = rss_kib();
    let mut alive = Vec::with_capacity(N);
    for _ in 0..N {
        let generator = cogen::Generator::boxed(yield_sum::cogen_counter(10));
        let _ = generator.resume();
        alive.push(generator);
    }
    let after = rss_kib();
    println!("### one million suspended boxed generators\n");
    match (before, after) {
        (Some(before), Some(after)) => {
            let bytes = (after - before) as f64 * 1024.0;
            println!(
                "resident memory grew by {:.1} MiB: {:.0} B per generator, including its 8-byte \
                 slot in the `Vec` that keeps it alive\n",
                bytes / (1024.0 * 1024.0),
                bytes / N as f64
            );
        }
        _ => println!("resident memory: unavailable (no /proc/self/status)\n"),
    }
    black_box(&alive);
}

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |workload: &str| only.is_empty() || only.iter().any(|w| w == workload);
    let n = 1_000_000;
    let mut workloads = vec![
        workload(
            "yield_sum",
            "baseline/struct",
            n,
            yield_sum::expected(n),
            move |r| yield_sum::rows(r, n),
        ),
        workload(
            "send_echo",
            "baseline/struct",
            n,
            send_echo::expected(n),
            move |r| send_echo::rows(r, n),
        ),
    ];
    // The tree at every depth of the growth question (d10 -> d22).
    for d in [10, 14, 18, 22] {
        workloads.push(workload(
            &format!("tree_d{d}"),
            "baseline/nested-struct",
            tree::keys(d),
            tree::expected(d),
            move |r| tree::rows(r, d),
        ));
    }
    workloads.extend([
        workload(
            "create_small",
            "baseline/struct",
            200_000,
            create_small::expected(200_000),
            |r| create_small::rows(r, 200_000),
        ),
        workload(
            "stream_sum",
            "baseline/hand-written Stream",
            n,
            stream_sum::expected(n),
            move |r| stream_sum::rows(r, n),
        ),
        workload(
            "stream_fold",
            "baseline/hand-written Stream (fold)",
            n,
            stream_sum::expected(n),
            move |r| stream_sum::fold_rows(r, n),
        ),
    ]);
    let unknown: Vec<&String> = only
        .iter()
        .filter(|name| !workloads.iter().any(|w| &w.name == *name))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
        eprintln!(
            "bench_table: no workload named {unknown:?}; the workloads are: {}",
            names.join(", ")
        );
        std::process::exit(2);
    }
    workloads.retain(|w| wanted(&w.name));
    machine();
    let tables = measure(workloads);
    for t in &tables {
        print_table(t);
    }
    let tree_table = |name: &str| tables.iter().find(|t| t.workload == name);
    if let (Some(shallow), Some(deep)) = (tree_table("tree_d10"), tree_table("tree_d22")) {
        print_growth(shallow, deep);
    }

    if !only.is_empty() {
        return;
    }
    one_million_boxed();

    println!("### memory of a suspended counter generator\n");
    println!(
        "| implementation | size_of (frame or struct) | heap bytes (allocs) | total | not shown |"
    );
    println!("|---|---:|---:|---:|---|");
    for row in memory::rows(HeapCounter {
        start: start_counting,
        stop: stop_counting,
    }) {
        println!(
            "| {} | {} B | {} B ({}) | {} B | {} |",
            row.name,
            row.inline,
            row.heap.bytes,
            row.heap.allocs,
            row.inline + row.heap.bytes,
            row.note
        );
    }
}
