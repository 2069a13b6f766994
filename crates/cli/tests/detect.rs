//! `leakscope detect --against` end to end: a measurement equal to the
//! prediction agrees (exit 0); `wgvet` at another line does not (exit 1,
//! marked ≠); a measurement lacking a detector is refused in one line.

#[path = "support/run.rs"]
mod run;

use leakscope_sim::detect::{MeasuredDetection, MeasuredDetections, detect};
use leakscope_sim::{Preset, Program};

use run::{leakscope, ok, refused};

/// The prediction for `buggy` on FASE 6, written as the Go tests write a
/// measurement, after `edit`.
fn measurement(dir: &std::path::Path, edit: impl FnOnce(&mut MeasuredDetections)) -> String {
    let scenario = Preset::Fase6.scenario();
    let mut m = MeasuredDetections {
        program: Program::BUGGY,
        runtime: "go1.27.3".into(),
        scenario: scenario.clone(),
        detections: detect(&scenario, Program::BUGGY)
            .unwrap()
            .into_iter()
            .map(|d| MeasuredDetection {
                detector: d.detector,
                caught: d.caught,
                value: d.value,
                evidence: d.evidence,
                findings: d.findings,
            })
            .collect(),
    };
    edit(&mut m);
    let path = dir.join("buggy-detect.json");
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    path.display().to_string()
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("leakscope-detect-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const ARGS: [&str; 5] = ["detect", "--preset", "fase6", "--program", "buggy"];

#[test]
fn a_measurement_equal_to_the_prediction_agrees() {
    let d = dir("equal");
    let file = measurement(&d, |_| {});
    let text = ok(&[&ARGS[..], &["--against", &file]].concat());
    assert!(text.contains("wgvet"), "{text}");
    assert!(!text.contains('≠'), "{text}");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn wgvet_at_another_line_disagrees() {
    let d = dir("moved");
    let file = measurement(&d, |m| {
        let vet = m
            .detections
            .iter_mut()
            .find(|x| x.detector.name() == "wgvet")
            .unwrap();
        vet.findings[0].line += 1;
    });
    let out = leakscope(&[&ARGS[..], &["--against", &file]].concat());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text.lines().find(|l| l.starts_with("wgvet")).unwrap();
    assert!(row.contains('≠'), "{row}");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_measurement_without_wgvet_is_refused() {
    let d = dir("missing");
    let file = measurement(&d, |m| {
        m.detections.retain(|x| x.detector.name() != "wgvet")
    });
    let line = refused(&[&ARGS[..], &["--against", &file]].concat(), "--against");
    assert!(line.contains("does not measure `wgvet`"), "{line}");
    let _ = std::fs::remove_dir_all(d);
}
