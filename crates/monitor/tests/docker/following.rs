//! Following containers: the fixed program's census stays bounded and
//! never stalls through rotations, kills, restarts, pauses, late
//! containers and an engine restart; the buggy program stalls.

use std::io::Write as _;
use std::time::{Duration, Instant};

use leakscope_emitter::docker;
use leakscope_monitor::CensusSnapshot;
use leakscope_monitor::docker::socket_from_env;
use leakscope_monitor::follow::Follower;
use leakscope_sim::{Program, WaitGroupName};

use crate::harness::{Harness, drained, must, options, restart_engine, stop_all};
use crate::lines::assert_every_line_once;

/// The fixed program's census bound for `n` containers: a heartbeat each,
/// at most a reader and a waiter each (a waiter lives only while its
/// reader finishes), at most 2 stream handlers each (a closed stream's
/// handler ends on its own task, moments after the close, so at a rotation
/// a container may briefly hold its old stream's and its new one's), and a
/// constant (writer, sampler, discovery; the timer driver is a runtime
/// task).
pub(crate) fn assert_fixed_bound(s: &CensusSnapshot, n: u64) {
    assert!(s.by_role.heartbeat <= n, "{s:?}");
    assert!(s.by_role.reader <= n, "{s:?}");
    assert!(s.by_role.handler <= 2 * n, "{s:?}");
    assert!(s.by_role.waiter <= n, "{s:?}");
    assert_eq!(s.by_role.system, 3, "{s:?}");
    assert_eq!(s.runtime, 1, "{s:?}");
}

/// No `rotate()` of the fixed program stays blocked in `Wait()`: a waiter
/// may be caught in `sync.WaitGroup.Wait` for the moment its reader takes to exit,
/// never for a second.
pub(crate) fn assert_no_stall(census: &leakscope_monitor::Census) {
    let now = census.now();
    for g in census.goroutines() {
        if g.state == leakscope_sim::State::Semacquire {
            assert!(
                now.since(g.since).as_millis() < 1000,
                "a fixed waiter is stuck in Wait(): {g:?}"
            );
        }
    }
}

#[test]
fn fixed_follows_twenty_containers_for_ten_rotations_losing_no_line() {
    let Some(h) = Harness::new("twenty") else {
        return;
    };
    let fleet = &h.fleet;
    for i in 0..20 {
        fleet.run(&i.to_string(), 40, false);
    }
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let start = Instant::now();
        let mut steady = Vec::new();
        while start.elapsed() < Duration::from_secs(12) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let s = f.census().snapshot();
            assert_fixed_bound(&s, 20);
            assert_no_stall(f.census());
            if start.elapsed() > Duration::from_secs(3) {
                steady.push(s);
            }
        }
        // Between rotations: 3 per container (heartbeat, reader, its
        // stream's handler) plus the constant.
        assert!(
            steady.iter().any(|s| s.goroutines() == 3 * 20 + 3),
            "{:?}",
            steady.last()
        );
        stop_all(fleet);
        let m = f.monitor().clone();
        let done = Instant::now();
        while m.stats.released.load(std::sync::atomic::Ordering::Relaxed) < 20 {
            assert!(
                done.elapsed() < Duration::from_secs(20),
                "containers not released"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert!(
        summary.containers.iter().all(|c| c.rotations >= 10),
        "{}",
        format!("{summary:?}")
    );
    assert_every_line_once(fleet, out);
}

#[test]
fn fixed_survives_kills_restarts_pauses_and_late_containers() {
    let Some(h) = Harness::new("faults") else {
        return;
    };
    let fleet = &h.fleet;
    for name in ["kill", "restart", "pause", "steady"] {
        fleet.run(name, 50, false);
    }
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let check = |f: &Follower| {
            assert_fixed_bound(&f.census().snapshot(), 5);
            assert_no_stall(f.census());
        };
        let pause = |secs: u64| tokio::time::sleep(Duration::from_millis(secs));
        pause(2500).await;
        check(&f);
        must(&["kill", &fleet.name(0)]);
        must(&["restart", "-t", "0", &fleet.name(1)]);
        must(&["pause", &fleet.name(2)]);
        pause(2500).await;
        check(&f);
        must(&["unpause", &fleet.name(2)]);
        let late = fleet.run("late", 50, false);
        pause(1500).await;
        must(&["restart", "-t", "0", &fleet.name(1)]);
        pause(2500).await;
        check(&f);
        let followed: Vec<_> = f
            .monitor()
            .containers()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        assert!(
            followed.contains(&late),
            "the late container is not followed: {followed:?}"
        );
        stop_all(fleet);
        pause(4000).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert_every_line_once(fleet, out);
}

#[test]
fn fixed_recovers_from_an_engine_restart_and_a_socket_missing_at_start() {
    let Some(h) = Harness::new("engine") else {
        return;
    };
    let fleet = &h.fleet;
    // stdout and stderr interleaved, one with lines of 40 KiB.
    fleet.run_with("0", true, &["--stream", "both", "--rate", "200"]);
    fleet.run_with("1", true, &["--stream", "both", "--rate", "50"]);
    fleet.run_with(
        "2",
        true,
        &["--stream", "both", "--rate", "10", "--pad", "40960"],
    );
    let out = &h.out;
    let socket = h.dir.path().join("docker.sock");
    let mut opts = options(fleet, Program::FIXED, out);
    opts.socket = socket.display().to_string();
    let rt = &h.rt;
    let summary = rt.block_on(async {
        // The socket is missing: a clear error, retries, no panic.
        let f = Follower::start(opts).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let engine = f.monitor().source.engine().clone();
        assert_eq!(engine.reachable(), Some(false));
        let why = engine.last_error().unwrap();
        assert!(why.contains("not found"), "{why}");
        assert_eq!(f.census().snapshot().by_role.heartbeat, 0);
        // The socket appears: the monitor finds the engine and follows.
        std::os::unix::fs::symlink(socket_from_env(), &socket).unwrap();
        let wait = Instant::now();
        while f.census().snapshot().by_role.heartbeat < 3 {
            assert!(
                wait.elapsed() < Duration::from_secs(10),
                "never found the engine"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        // The engine restarts; its containers come back (restart always).
        if let Err(why) = restart_engine() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but the engine could not be restarted: {why}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "*** engine restart part skipped: {why} ***"
            );
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_fixed_bound(&f.census().snapshot(), 3);
        stop_all(fleet);
        let _ = docker(&[
            "update",
            "--restart",
            "no",
            &fleet.name(0),
            &fleet.name(1),
            &fleet.name(2),
        ]);
        tokio::time::sleep(Duration::from_secs(4)).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert_every_line_once(fleet, out);
}

#[test]
fn buggy_stalls_every_container_at_its_first_rotation() {
    let Some(h) = Harness::new("buggy") else {
        return;
    };
    let fleet = &h.fleet;
    for i in 0..5 {
        fleet.run(&i.to_string(), 50, false);
    }
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::BUGGY).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let s = f.census().snapshot();
        // Rule 6: the reader left (closed), the waiter stays, blocked on
        // the heartbeat's count: the logs are no longer read.
        assert_eq!(s.stalled_containers, 5, "{s:?}");
        assert_eq!(
            (s.by_role.heartbeat, s.by_role.reader, s.by_role.waiter),
            (5, 0, 5),
            "{s:?}"
        );
        let groups = *f
            .census()
            .wait_groups(Program::BUGGY)
            .get(WaitGroupName::Wg)
            .unwrap();
        assert_eq!(
            (groups.counter, groups.holders.heartbeat, groups.waiters),
            (5, 5, 5)
        );
        let dump = f
            .census()
            .dump(Program::BUGGY, leakscope_sim::DumpFormat::Grouped);
        assert!(
            dump.contains("5 @ waiter [sync.WaitGroup.Wait] (blocked in Wait for good)"),
            "{dump}"
        );
        let lines = f
            .monitor()
            .stats
            .lines
            .load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let later = f
            .monitor()
            .stats
            .lines
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(lines, later, "a stalled monitor read more lines");
        f.stop().await.unwrap()
    });
    drained(&summary);
}
