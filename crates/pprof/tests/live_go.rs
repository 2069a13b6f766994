//! Dumps of the buggy program of `go/monitor` running live on real sockets
//! (`cargo xtask go-serve`), fetched from its `net/http/pprof` at one
//! instant: the goroutine profile holds hundreds of the program's
//! goroutines piling up, and Go 1.27's goroutine leak profile lists none of
//! them.

use leakscope_pprof::{Format, parse};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_leak_profile_is_empty_while_the_program_piles_up() {
    let leak = parse(&data("go1.27-live-buggy-goroutineleak-debug1.txt")).unwrap();
    assert_eq!((leak.format, leak.goroutines()), (Format::Leak, 0));

    let dump = parse(&data("go1.27-live-buggy-debug1.txt")).unwrap();
    assert_eq!(dump.format, Format::Grouped);
    let of = |label: &str| -> u64 {
        dump.records
            .iter()
            .filter(|r| r.labels.contains_key(label))
            .map(|r| r.count)
            .sum()
    };
    // The program's goroutines carry the pprof label `container` (the
    // stream's connection loops inherit it from the goroutine that dialed).
    let program = of("container");
    assert!(program > 500, "{program} of {}", dump.goroutines());
    let function = |f: &str| -> u64 {
        dump.records
            .iter()
            .filter(|r| r.frames.iter().any(|x| x.function == f))
            .map(|r| r.count)
            .sum()
    };
    let readers = function("leakscope/monitor.(*Monitor).reader");
    let read_loops = function("net/http.(*persistConn).readLoop");
    let write_loops = function("net/http.(*persistConn).writeLoop");
    // Every open stream, healthy or half-open, holds its reader and its
    // connection's two loops (one extra pooled connection for Inspect).
    assert!(readers > 100, "{readers}");
    assert!(
        read_loops.abs_diff(readers) <= 2,
        "{read_loops} vs {readers}"
    );
    assert!(
        write_loops.abs_diff(readers) <= 2,
        "{write_loops} vs {readers}"
    );
    assert_eq!(function("leakscope/monitor.(*Monitor).heartbeat"), 55);
}
