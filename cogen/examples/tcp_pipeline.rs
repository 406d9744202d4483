//! Mirrors Python's async generators (PEP 525: `async def` with `yield`, consumed by
//! `async for`) feeding a David Beazley-style coroutine pipeline (PEP 342: coroutines driven by
//! `send()`, primed by a `@coroutine` decorator, shut down by `close()`, which each stage
//! passes on to the next as `GeneratorExit`).
//!
//! A TCP server on 127.0.0.1 (an ephemeral port) writes a few log lines and closes; the client
//! wraps the connection's lines in a cogen async generator (the source), and sends each line
//! into `grep` (a coroutine that forwards the lines matching a pattern to its target), which
//! feeds `sink` (a coroutine that collects them). Closing `grep` closes `sink`, whose summary
//! comes back as `close()`'s result.
//!
//! Run it with `cargo run --example tcp_pipeline`.

use std::cell::RefCell;
use std::convert::Infallible;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use cogen::{Boxed, CloseError, Co, Generates, Generator, Interrupt, Step, coroutine};
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the server sends, one line each.
const SERVED: [&str; 6] = [
    "INFO  server started",
    "ERROR disk full on /var",
    "INFO  GET / 200",
    "ERROR connection reset by peer",
    "WARN  slow response (2.3 s)",
    "ERROR timeout talking to the database",
];

/// The pattern `grep` looks for.
const PATTERN: &str = "ERROR";

fn main() -> io::Result<()> {
    let report = run()?;
    println!("(sink kept {} lines)", report.matched.len());
    Ok(())
}

/// What a run printed, and the lines the sink kept.
#[derive(Debug)]
pub struct Report {
    /// Every line printed, in order.
    pub printed: Vec<String>,
    /// The lines the sink received, returned by `close()`.
    pub matched: Vec<String>,
}

/// The printed lines, shared by the stages of the pipeline (each prints as it runs).
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn say(&self, line: String) {
        println!("{line}");
        self.0.borrow_mut().push(line);
    }
}

/// Runs the server and the pipeline on a current-thread tokio runtime, at most 10 s.
pub fn run() -> io::Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let log = Log::default();
    let matched = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), client_and_server(log.clone()))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the pipeline took over 10 s"))?
    })?;
    let printed = log.0.take();
    Ok(Report { printed, matched })
}

/// The server: accepts one connection on 127.0.0.1, writes `SERVED` and closes it.
async fn serve(listener: TcpListener) -> io::Result<usize> {
    let (mut socket, _) = listener.accept().await?;
    for line in SERVED {
        socket.write_all(line.as_bytes()).await?;
        socket.write_all(b"\n").await?;
    }
    socket.shutdown().await?;
    Ok(SERVED.len())
}

async fn client_and_server(log: Log) -> io::Result<Vec<String>> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    log.say(format!(
        "server: listening on {address}, will send {} lines then close",
        SERVED.len()
    ));
    let server = tokio::spawn(serve(listener));

    // Python:
    //     async def read_lines(reader):
    //         async for line in reader:
    //             yield line.rstrip("\n")
    let source_log = log.clone();
    let source = std::pin::pin!(cogen::async_generator(
        async move |mut co: Co<'_, String>| {
            let socket = TcpStream::connect(address).await?;
            source_log.say("source: connected".to_string());
            let mut lines = BufReader::new(socket).lines();
            let mut count = 0;
            while let Some(line) = lines.next_line().await? {
                count += 1;
                source_log.say(format!("source: read line {count}: {line:?}"));
                co.yield_(line).await;
            }
            source_log.say(format!("source: end of stream after {count} lines"));
            io::Result::Ok(count)
        }
    ));

    // Python: pipeline = grep("ERROR", sink())   (both primed by @coroutine)
    let pipeline = primed(grep(PATTERN, primed(sink(log.clone())), log.clone()));

    // Python: async for line in read_lines(reader): pipeline.send(line)
    let mut source = source;
    while let Some(line) = source.next().await {
        if pipeline.send(line).is_finished() {
            log.say("main: the pipeline finished early".to_string());
            break;
        }
    }
    // The source's return value (Python's `StopAsyncIteration` carries none; cogen keeps it).
    let read = source.as_ref().take_return().transpose()?.unwrap_or(0);
    let sent = server.await.map_err(io::Error::other)??;
    log.say(format!(
        "main: the server sent {sent} lines, the source read {read}"
    ));

    // Python: pipeline.close()  ->  GeneratorExit in grep, which closes sink.
    log.say("main: closing the pipeline".to_string());
    let closed = pipeline.close();
    log.say(format!(
        "main: pipeline state after close: {:?}",
        pipeline.state()
    ));
    match closed {
        Ok(Some(Ok(Some(matched)))) => {
            log.say(format!(
                "main: close() returned the sink's {} lines",
                matched.len()
            ));
            Ok(matched)
        }
        other => Err(io::Error::other(format!(
            "the pipeline did not close cleanly: {other:?}"
        ))),
    }
}

/// Beazley's `@coroutine` decorator: starts a coroutine so that it is ready for `send`
/// (it runs to its first `yield`). It is boxed first, since a started generator cannot move.
fn primed<G: Generator>(coroutine: G) -> Boxed<G> {
    let coroutine = coroutine.boxed();
    match coroutine.start() {
        Step::Yielded(_) => coroutine,
        _ => panic!("a pipeline stage finished before receiving anything"),
    }
}

/// What `close()` on a stage reports.
type Closed<R> = Result<Option<R>, CloseError<(), Infallible>>;

/// Python:
///
/// ```python
/// @coroutine
/// def grep(pattern, target):
///     try:
///         while True:
///             line = (yield)
///             if pattern in line:
///                 target.send(line)
///     except GeneratorExit:
///         target.close()
/// ```
///
/// Returns what closing its target returned, so the sink's summary comes back out.
fn grep<'a, T>(
    pattern: &'a str,
    target: T,
    log: Log,
) -> impl Generates<(), String, Closed<T::Return>> + 'a
where
    T: Generator<Yield = (), Resume = String, Error = Infallible> + 'a,
{
    coroutine(async move |mut co: Co<'_, (), String>| {
        let target = cogen::pin!(target);
        loop {
            match co.yield_(()).catch().await {
                Ok(line) if line.contains(pattern) => {
                    log.say(format!("grep: {line:?} matches {pattern:?}: sent on"));
                    if target.send(line).is_finished() {
                        // The target is gone: nothing left to forward to.
                        return Ok(None);
                    }
                }
                Ok(line) => log.say(format!("grep: {line:?} dropped")),
                Err(Interrupt::Close) => {
                    log.say("grep: GeneratorExit: closing my target".to_string());
                    return target.close();
                }
                Err(Interrupt::Throw(never)) => match never {},
            }
        }
    })
}

/// Python:
///
/// ```python
/// @coroutine
/// def sink():
///     lines = []
///     try:
///         while True:
///             lines.append((yield))
///     except GeneratorExit:
///         print(f"sink: {len(lines)} lines")
///         return lines
/// ```
fn sink(log: Log) -> impl Generates<(), String, Vec<String>> {
    coroutine(async move |mut co: Co<'_, (), String>| {
        let mut lines = Vec::new();
        loop {
            match co.yield_(()).catch().await {
                Ok(line) => {
                    log.say(format!("sink: received {line:?}"));
                    lines.push(line);
                }
                Err(Interrupt::Close) => {
                    log.say(format!(
                        "sink: GeneratorExit: {} lines received, summary returned",
                        lines.len()
                    ));
                    return lines;
                }
                Err(Interrupt::Throw(never)) => match never {},
            }
        }
    })
}
