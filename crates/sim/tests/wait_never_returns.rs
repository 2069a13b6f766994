//! The two symptoms of the shared group, and the fixed program's error path,
//! told on one container.

use leakscope_sim::{
    DumpFormat, EventKind, Outcome, Role, Scenario, State, Time, Variant, simulate,
};

fn one_container(error_rate: f64) -> Scenario {
    Scenario {
        containers: 1,
        minutes: 20,
        error_rate,
        ..Scenario::default()
    }
}

#[test]
fn wait_never_returns_while_the_heartbeat_holds_the_group() {
    let t = simulate(&one_container(0.0), Variant::Buggy).unwrap();
    let events = t.events_of(0).unwrap();
    let blocked = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::WaitBlocked { .. }))
        .expect("the first healthy rotation blocks");
    assert_eq!(blocked.time, Time::from_minutes(5));
    assert!(matches!(
        blocked.kind,
        EventKind::WaitBlocked { counter: 1, .. }
    ));
    // Nothing happens to this container after that: no rotation 2.
    assert_eq!(events.last(), Some(blocked));
    let view = t.container_at(0, t.end()).unwrap();
    assert_eq!(view.stalled_since, Some(Time::from_minutes(5)));
    let gs = t.goroutines_at(t.end(), Some(0)).unwrap();
    let roles: Vec<_> = gs.iter().map(|g| (g.role, g.state)).collect();
    assert_eq!(
        roles,
        vec![
            (Role::Heartbeat, State::ChanReceive),
            (Role::Waiter, State::Semacquire)
        ]
    );
}

#[test]
fn skipping_the_wait_leaves_every_failed_reader_behind() {
    let t = simulate(&one_container(1.0), Variant::Buggy).unwrap();
    let c = &t.containers()[0];
    assert!(
        c.rotations()[..4]
            .iter()
            .all(|r| r.outcome() == Outcome::Abandoned)
    );
    // 4 rotations due by minute 20, 3 goroutines left behind each.
    let last = t.samples().last().unwrap();
    assert_eq!(last.leaked_readers, 4);
    assert_eq!(last.goroutines, 2 + 3 * 4);
    let dump = t.dump(t.end(), Some(0), DumpFormat::Full).unwrap();
    assert!(dump.contains(
        "goroutine 2 [IO wait, 20 minutes]:\nmain.(*Monitor).reader(container=0, rotation=1)"
    ));
    assert_eq!(dump.matches("docker.(*Stream).handle").count(), 8);
}

#[test]
fn the_fixed_program_closes_failed_streams_and_moves_on() {
    let t = simulate(&one_container(1.0), Variant::Fixed).unwrap();
    let c = &t.containers()[0];
    assert_eq!(c.rotations().len(), 5);
    assert!(
        c.rotations()[..4]
            .iter()
            .all(|r| r.outcome() == Outcome::FailedClosed)
    );
    assert!(t.samples().iter().all(|s| s.goroutines == 2));
    let closed = t
        .events_of(0)
        .unwrap()
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::StreamClosed {
                    handlers: 2,
                    counter: 0,
                    ..
                }
            )
        })
        .count();
    assert_eq!(closed, 4);
}

#[test]
fn a_grouped_dump_counts_identical_stacks() {
    let t = simulate(&one_container(1.0), Variant::Buggy).unwrap();
    let dump = t.dump(t.end(), None, DumpFormat::Grouped).unwrap();
    let expected = "\
goroutine profile: total 14
8 @ handler [IO wait] (left behind with their reader)
#\tdocker.(*Stream).handle\tdocker/stream.go
#\tcreated by docker.(*Stream).fail\tdocker/stream.go

4 @ reader [IO wait] (left behind: stream failed, never closed)
#\tmain.(*Monitor).reader\tmonitor/buggy.go:35
#\tcreated by main.(*Monitor).openRotation\tmonitor/buggy.go:16

1 @ heartbeat [chan receive]
#\tmain.(*Monitor).heartbeat\tmonitor/buggy.go:45
#\tcreated by main.(*Monitor).monitorContainer\tmonitor/buggy.go:9

1 @ reader [IO wait] (current rotation)
#\tmain.(*Monitor).reader\tmonitor/buggy.go:35
#\tcreated by main.(*Monitor).openRotation\tmonitor/buggy.go:16

";
    assert_eq!(dump, expected);
}

#[test]
fn stepping_by_event_visits_every_rotation_instant() {
    let s = Scenario {
        containers: 3,
        minutes: 20,
        error_rate: 1.0,
        ..Scenario::default()
    };
    let t = simulate(&s, Variant::Buggy).unwrap();
    let mut forward = vec![Time::ZERO];
    while let Some(next) = t.next_event_time(*forward.last().unwrap()) {
        forward.push(next);
    }
    let minutes: Vec<u64> = forward.iter().map(|t| t.whole_minutes()).collect();
    assert_eq!(minutes, vec![0, 5, 10, 15, 20]);
    let mut back = vec![t.end()];
    while let Some(prev) = t.prev_event_time(*back.last().unwrap()) {
        back.push(prev);
    }
    let minutes: Vec<u64> = back.iter().map(|t| t.whole_minutes()).collect();
    assert_eq!(minutes, vec![20, 15, 10, 5, 0]);
}

#[test]
fn the_proof_recomputed_from_fase6_uses_55_containers_and_11_rotations() {
    let s = leakscope_sim::Preset::Fase6.scenario();
    let buggy = simulate(&s, Variant::Buggy).unwrap();
    let fixed = simulate(&s, Variant::Fixed).unwrap();
    let p = leakscope_sim::Proof::of(&buggy);
    assert_eq!(p.rotations, 11);
    assert_eq!(p.initial, 110);
    assert_eq!(p.leaked, p.final_goroutines - 110);
    assert_eq!(p.leaked, 3 * p.leaked_readers);
    assert!((p.per_container_per_rotation - p.leaked as f64 / 11.0 / 55.0).abs() < 1e-12);
    assert_eq!(
        leakscope_sim::divergence(buggy.samples(), fixed.samples()),
        Some(5)
    );
}
