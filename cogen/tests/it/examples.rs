//! The examples that need an executor and a socket: each one's `run()` is called and what it
//! printed or computed is checked (tokio, so not under Miri).

#[path = "../../examples/tcp_pipeline.rs"]
#[allow(dead_code, unreachable_pub)]
mod tcp_pipeline;

#[path = "../../examples/many_coroutines.rs"]
#[allow(dead_code, unreachable_pub)]
mod many_coroutines;

/// Rule 78 (agen_async_for: awaits in the source are invisible to the consumer) feeding rules
/// 16/18 (send to primed consumers) and 27/29 (close runs the handlers; a handler that returns
/// makes `close()` return the value, 3.13): the source's lines go through `grep` to `sink` as
/// they are read, and closing `grep` closes `sink` (Beazley's `close()` propagation), whose
/// return value comes back out of `close()`.
#[test]
#[cfg_attr(miri, ignore)] // tokio and a TCP socket on 127.0.0.1
fn rule_78_tcp_pipeline_source_feeds_send_driven_stages_and_close_propagates() {
    let report = tcp_pipeline::run().unwrap();
    let errors = [
        "ERROR disk full on /var",
        "ERROR connection reset by peer",
        "ERROR timeout talking to the database",
    ];
    assert_eq!(report.matched, errors);

    let (first, rest) = report.printed.split_first().unwrap();
    assert!(
        first.starts_with("server: listening on 127.0.0.1:"),
        "{first}"
    );
    // The pipeline is driven by `send`, line by line: each stage runs before the next line is
    // read; close runs grep's handler, then sink's, then reports the closed state.
    let expected = [
        "source: connected",
        r#"source: read line 1: "INFO  server started""#,
        r#"grep: "INFO  server started" dropped"#,
        r#"source: read line 2: "ERROR disk full on /var""#,
        r#"grep: "ERROR disk full on /var" matches "ERROR": sent on"#,
        r#"sink: received "ERROR disk full on /var""#,
        r#"source: read line 3: "INFO  GET / 200""#,
        r#"grep: "INFO  GET / 200" dropped"#,
        r#"source: read line 4: "ERROR connection reset by peer""#,
        r#"grep: "ERROR connection reset by peer" matches "ERROR": sent on"#,
        r#"sink: received "ERROR connection reset by peer""#,
        r#"source: read line 5: "WARN  slow response (2.3 s)""#,
        r#"grep: "WARN  slow response (2.3 s)" dropped"#,
        r#"source: read line 6: "ERROR timeout talking to the database""#,
        r#"grep: "ERROR timeout talking to the database" matches "ERROR": sent on"#,
        r#"sink: received "ERROR timeout talking to the database""#,
        "source: end of stream after 6 lines",
        "main: the server sent 6 lines, the source read 6",
        "main: closing the pipeline",
        "grep: GeneratorExit: closing my target",
        "sink: GeneratorExit: 3 lines received, summary returned",
        "main: pipeline state after close: Closed",
        "main: close() returned the sink's 3 lines",
    ];
    assert_eq!(rest, expected);
}

/// Rules 78 and 94 (async generators; generator-based coroutines whose yields go to the
/// driver) and 102 (giving up one loop iteration lets the others run): a thousand of each,
/// all alive at once on one thread, every one started before any finished, and each produces
/// its part of the checksum.
#[test]
#[cfg_attr(miri, ignore)] // tokio
fn rule_102_many_coroutines_interleave_on_one_thread() {
    let count = 1000;
    let mut out = Vec::new();
    let sections = many_coroutines::run(count, &mut out).unwrap();
    let expected = many_coroutines::Section {
        checksum: many_coroutines::expected_checksum(count),
        finished: count,
        max_alive: count,
    };
    assert_eq!(sections, [expected.clone(), expected]);
    assert_eq!(many_coroutines::expected_checksum(count), 1_501_500);
    let printed = String::from_utf8(out).unwrap();
    assert_eq!(
        printed.matches("checksum 1501500 (ok)").count(),
        2,
        "{printed}"
    );
}
