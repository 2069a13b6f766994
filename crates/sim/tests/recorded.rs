//! The real runs recorded in `docs/runs/` (`cargo xtask docker-record`:
//! `leakscope monitor --inject-faults --format json` on a real Docker
//! engine) equal the simulation of their schedule at every rotation period.
//! The monitor never asks the simulation; that they agree is the finding,
//! kept here so a change of the model that breaks it is seen.

use std::path::Path;

use leakscope_sim::{Program, RecordedRun};

fn recorded(name: &str) -> RecordedRun {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/runs")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_recorded_runs_equal_the_simulation_of_their_schedule() {
    for (name, program) in [
        ("docker-buggy.json", Program::BUGGY),
        ("docker-fixed.json", Program::FIXED),
    ] {
        let run = recorded(name);
        assert_eq!(run.program, program);
        assert!(run.census.len() >= 10, "{name}");
        let predicted = run.predicted().unwrap();
        assert_eq!(run.differences(&predicted), Vec::<String>::new(), "{name}");
        assert_eq!(run.left_after_drain, 0, "{name}");
        let faults = run.faults.as_ref().unwrap();
        let failed = faults
            .realized
            .iter()
            .filter(|r| r.offset_ms.is_some())
            .count();
        assert!(failed > faults.realized.len() / 2, "{name}");
    }
    let buggy = recorded("docker-buggy.json");
    let counts: Vec<u64> = buggy.census.iter().map(|c| c.goroutines()).collect();
    assert!(counts.windows(2).all(|w| w[1] >= w[0]), "{counts:?}");
    assert!(counts.last() > Some(&(5 * counts[0])), "{counts:?}");
    let fixed = recorded("docker-fixed.json");
    assert!(
        fixed
            .census
            .iter()
            .all(|c| c.goroutines() == 3 * u64::from(fixed.containers))
    );
}
