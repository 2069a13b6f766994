//! Through the half-open proxy: every program's census equals the formula
//! for the realized faults and the simulation of the same schedule, live
//! on `/metrics` and `/debug/tasks`.

use std::io::Write as _;
use std::time::Duration;

use leakscope_monitor::docker::socket_from_env;
use leakscope_monitor::follow::{Follower, Summary};
use leakscope_sim::Program;

use crate::harness::{Fleet, drained, engine, options, runtime, serial};

/// `program` following `containers` emitters through the half-open proxy
/// (`plan`) for `run_for`: the recorded run, as `leakscope monitor
/// --inject-faults --format json` writes it.
fn recorded_half_open_run(
    program: Program,
    containers: u32,
    plan: leakscope_monitor::halfopen::FaultPlan,
    run_for: Duration,
) -> (leakscope_sim::RecordedRun, Summary) {
    use leakscope_monitor::halfopen::{IDLE_AFTER, Proxy};
    let fleet = Fleet::new(&format!("pileup-{program}"));
    for i in 0..containers {
        fleet.run(&i.to_string(), 50, false);
    }
    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&socket_from_env(), &dir.path().join("proxy.sock"), plan).unwrap();
    let mut opts = options(&fleet, program, &dir.path().join("lines.jsonl"));
    opts.monitor.rotation = plan.rotation;
    opts.socket = proxy.path().display().to_string();
    opts.idle_after = Some(IDLE_AFTER);
    opts.debug_addr = Some("127.0.0.1:0".parse().unwrap());
    let mut summary = runtime().block_on(async {
        let f = Follower::start(opts).await.unwrap();
        tokio::time::sleep(run_for).await;
        served_live(&f).await;
        f.stop().await.unwrap()
    });
    summary.faults = Some(proxy.injected(plan));
    proxy.stop();
    drained(&summary);
    (summary.recorded("test"), summary)
}

/// One HTTP GET of the debug endpoint: the body.
async fn debug_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    body.to_owned()
}

/// `/metrics` and `/debug/tasks?debug=1` serve the census live: asked
/// between two equal snapshots, they show it exactly.
async fn served_live(f: &Follower) {
    let addr = f.debug_addr().unwrap();
    for _ in 0..20 {
        let before = f.census().snapshot();
        let metrics = debug_get(addr, "/metrics").await;
        let dump = debug_get(addr, "/debug/tasks?debug=1").await;
        let after = f.census().snapshot();
        if (before.by_role, before.leaked_readers) != (after.by_role, after.leaked_readers) {
            continue;
        }
        let r = &before.by_role;
        for (role, n) in [
            ("heartbeat", r.heartbeat),
            ("reader", r.reader),
            ("handler", r.handler),
            ("waiter", r.waiter),
            ("helper", r.helper),
        ] {
            let line = format!("leakscope_tasks{{role=\"{role}\"}} {n}\n");
            assert!(metrics.contains(&line), "{line} not in {metrics}");
        }
        let leaked = format!("leakscope_leaked_readers {}\n", before.leaked_readers);
        assert!(metrics.contains(&leaked), "{leaked} not in {metrics}");
        // The dump's groups (`N @ role [state] …`), summed per role (the
        // debug server's own connection task is a system task).
        assert!(dump.starts_with("goroutine profile: total "), "{dump}");
        let in_dump = |role: &str| -> u64 {
            dump.lines()
                .filter_map(|l| l.split_once(" @ "))
                .filter(|(_, rest)| rest.starts_with(&format!("{role} ")))
                .map(|(n, _)| n.parse::<u64>().unwrap())
                .sum()
        };
        assert_eq!(
            [
                in_dump("reader"),
                in_dump("handler"),
                in_dump("heartbeat"),
                in_dump("waiter")
            ],
            [r.reader, r.handler, r.heartbeat, r.waiter],
            "{dump}"
        );
        return;
    }
    panic!("the census never held still for two requests");
}

/// What the formula gives for the realized faults alone (not the
/// simulation): per container, the buggy program leaves a reader and its
/// connection's handler behind per failed rotation until its first healthy
/// one, which stalls it in `Wait()` (heartbeat and waiter) for good.
fn buggy_formula(run: &leakscope_sim::RecordedRun, due: u64) -> (u64, u64, u64) {
    let (mut leaked, mut stalled) = (0, 0);
    for c in 0..run.containers {
        let faults = run.faults_of(c);
        let failed_run = (0..due as usize)
            .take_while(|&i| faults.get(i).is_some_and(Option::is_some))
            .count() as u64;
        leaked += failed_run;
        stalled += u64::from(failed_run < due);
    }
    let open = u64::from(run.containers) - stalled;
    let g = u64::from(run.goroutines_per_reader);
    let goroutines = u64::from(run.containers) + stalled + g * (open + leaked);
    (goroutines, leaked, stalled)
}

/// Five containers, ten rotations of 2 s, an error rate of 0.7 (seed 11:
/// failures at offsets 0 and 1 s, runs of failures of every length): on a
/// real engine the buggy program's census equals the formula for the
/// faults the proxy realized at every rotation, and equals the simulation
/// of the same schedule; so do the fixed one's (flat), close-only's
/// (stalled at the first rotation) and wait-timeout's (a helper per
/// rotation, every 12 s). Every run drains to zero.
#[test]
fn half_open_pile_up_equals_the_formula_and_the_simulation_for_its_schedule() {
    use leakscope_monitor::halfopen::FaultPlan;
    let _serial = serial();
    if !engine() {
        return;
    }
    let plan = FaultPlan {
        seed: 11,
        error_rate: 0.7,
        rotation: Duration::from_secs(2),
    };
    for (program, run_for) in [
        (Program::BUGGY, Duration::from_millis(21_200)),
        (Program::FIXED, Duration::from_millis(21_200)),
        (Program::CLOSE_ONLY, Duration::from_millis(5_200)),
        (Program::WAIT_TIMEOUT, Duration::from_millis(25_200)),
    ] {
        let (run, summary) = recorded_half_open_run(program, 5, plan, run_for);
        let last = run.census.last().unwrap();
        assert!(last.due >= run_for.as_secs() / 2 - 1, "{program}: {run:?}");
        let predicted = run.predicted().unwrap();
        let differences = run.differences(&predicted);
        assert!(
            differences.is_empty(),
            "{program}: the real census differs from the simulation of its schedule:\n{}\nrealized: {:?}\ncontainers: {:?}\ncensus: {:?}",
            differences.join("\n"),
            (0..run.containers)
                .map(|c| run.faults_of(c))
                .collect::<Vec<_>>(),
            summary.containers,
            run.census,
        );
        let realized = &run.faults.as_ref().unwrap().realized;
        if program == Program::BUGGY {
            assert!(last.due >= 10, "{run:?}");
            for p in &run.census {
                let (goroutines, leaked, stalled) = buggy_formula(&run, p.due);
                assert_eq!(
                    (p.goroutines(), p.leaked_readers, p.stalled_containers),
                    (goroutines, leaked, stalled),
                    "period {}: {p:?}",
                    p.due
                );
            }
            // The schedule exercises what it should: leaks, stalls, a
            // container still leaking at the end, offsets 0 and 1 s.
            assert!(last.leaked_readers >= 10, "{last:?}");
            assert!(
                last.stalled_containers >= 1 && last.stalled_containers < 5,
                "{last:?}"
            );
            let offsets: std::collections::BTreeSet<_> =
                realized.iter().filter_map(|r| r.offset_ms).collect();
            assert_eq!(offsets, [0, 1000].into(), "{realized:?}");
        }
        // The proxy saw each container's streams as rotations 1, 2, 3 …
        for c in 0..run.containers {
            let rotations: Vec<u64> = realized
                .iter()
                .filter(|r| r.container == c)
                .map(|r| r.rotation)
                .collect();
            assert_eq!(rotations, (1..=rotations.len() as u64).collect::<Vec<_>>());
        }
        let _ = writeln!(
            std::io::stderr(),
            "{program}: program tasks per period {:?}, leaked readers {:?}, stalled {:?}",
            run.census
                .iter()
                .map(|p| p.goroutines())
                .collect::<Vec<_>>(),
            run.census
                .iter()
                .map(|p| p.leaked_readers)
                .collect::<Vec<_>>(),
            run.census
                .iter()
                .map(|p| p.stalled_containers)
                .collect::<Vec<_>>(),
        );
    }
}
