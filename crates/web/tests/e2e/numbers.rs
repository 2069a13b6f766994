//! The page's numbers against the core's: the panes, every program's
//! gallery card, the detector matrix.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use leakscope_sim::{Preset, Program, Report, Scenario, WaitGroupName, simulate, thousands};

use crate::Result;
use crate::driver::{shot, text};
use crate::site::repo_root;

/// The report `leakscope sim --program all --format json` prints for a
/// preset: computed by the core here, and checked against the CLI binary's
/// JSON when one is built.
pub(crate) fn report(preset: Preset) -> Report {
    let s: Scenario = preset.scenario();
    let traces: Vec<_> = Program::ALL
        .iter()
        .map(|&p| simulate(&s, p).expect("presets are valid"))
        .collect();
    let report = Report::from_traces(&s, &traces);
    // LEAKSCOPE_CLI, or the most recently built of target/{debug,release}.
    let cli = std::env::var_os("LEAKSCOPE_CLI")
        .map(PathBuf::from)
        .or_else(|| {
            ["release", "debug"]
                .iter()
                .map(|p| repo_root().join("target").join(p).join("leakscope"))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .max()
                .map(|(_, p)| p)
        });
    if let Some(cli) = cli {
        let out = Command::new(&cli)
            .args([
                "sim",
                "--preset",
                preset.name(),
                "--program",
                "all",
                "--format",
                "json",
            ])
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let from_cli: Report =
                    serde_json::from_slice(&out.stdout).expect("the CLI prints a Report");
                assert_eq!(
                    from_cli,
                    report,
                    "{} sim --program all --format json",
                    cli.display()
                );
                eprintln!("e2e: {} agrees with the core", cli.display());
            }
            other => eprintln!(
                "e2e: {} did not run ({other:?}); using the core",
                cli.display()
            ),
        }
    }
    report
}

/// The panes' numbers (buggy | fixed) at minute `m` equal the report's.
pub(crate) async fn assert_numbers(c: &Client, report: &Report, m: usize) -> Result<()> {
    let b = &report.run(Program::BUGGY).ok_or("no buggy run")?;
    let f = &report.run(Program::FIXED).ok_or("no fixed run")?;
    let (bs, fs) = (&b.samples[m], &f.samples[m]);
    let group = |s: &leakscope_sim::Sample, g: WaitGroupName| -> Result<String> {
        Ok(thousands(
            s.wait_groups.get(g).ok_or(format!("no {g}"))?.counter,
        ))
    };
    let expect = [
        ("goroutines-buggy", thousands(bs.goroutines)),
        ("goroutines-fixed", thousands(fs.goroutines)),
        ("verdict-buggy", b.verdict.name().to_owned()),
        ("verdict-fixed", f.verdict.name().to_owned()),
        ("wg-buggy", group(bs, WaitGroupName::Wg)?),
        ("wg-fixed-heartbeat", group(fs, WaitGroupName::HeartbeatWg)?),
        ("wg-fixed-reader", group(fs, WaitGroupName::ReaderWg)?),
        ("lines-buggy", thousands(bs.lines_read)),
        ("lines-fixed", thousands(fs.lines_read)),
        ("silent-buggy", thousands(bs.silent_containers)),
        ("silent-fixed", thousands(fs.silent_containers)),
        ("stalled-buggy", thousands(bs.stalled_containers)),
    ];
    // Exactly as written, thousands separators included.
    for (testid, want) in expect {
        assert_eq!(text(c, testid).await?, want, "{testid} at minute {m}");
    }
    Ok(())
}

/// Every program's gallery card at minute `m` equals the report's run of
/// that program: goroutines, verdict, stuck and silent containers, lines
/// read.
pub(crate) async fn assert_gallery(c: &Client, report: &Report, m: usize) -> Result<()> {
    for p in Program::ALL {
        let run = report.run(p).ok_or(format!("no {p} run"))?;
        let s = &run.samples[m];
        let expect = [
            ("goroutines", thousands(s.goroutines)),
            ("verdict", run.verdict.name().to_owned()),
            ("stalled", thousands(s.stalled_containers)),
            ("silent", thousands(s.silent_containers)),
            ("lines", thousands(s.lines_read)),
        ];
        for (what, want) in expect {
            let testid = format!("gallery-{what}-{p}");
            assert_eq!(text(c, &testid).await?, want, "{testid} at minute {m}");
        }
    }
    Ok(())
}

/// The `data-program` of a pane.
pub(crate) async fn pane_program(c: &Client, side: &str) -> Result<String> {
    let pane = c
        .find(Locator::Css(&format!("[data-testid=\"pane-{side}\"]")))
        .await?;
    Ok(pane.attr("data-program").await?.unwrap_or_default())
}

/// Waits until the `side` pane shows `program`.
pub(crate) async fn wait_pane(c: &Client, side: &str, program: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = pane_program(c, side).await.unwrap_or_default();
        if shown == program {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("pane-{side}: shows {shown:?}, not {program}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The detector matrix (its cells the core's `detect()`, one reasons list
/// opened) and the dump pair, screenshotted at the window's width; the
/// matrix fits without sideways scrolling.
pub(crate) async fn detectors_shots(c: &Client, width: &str) -> Result<()> {
    let s = Preset::Fase6.scenario();
    for p in Program::ALL {
        for d in leakscope_sim::detect::detect(&s, p)? {
            let id = format!("detect-{p}-{}", d.detector);
            let cell = c
                .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
                .await?;
            assert_eq!(
                cell.attr("data-caught").await?.unwrap_or_default(),
                d.caught.to_string(),
                "{id}"
            );
        }
    }
    let overflow = c
        .execute(
            "const t = document.querySelector('.detectors .table-scroll'); \
             return t.scrollWidth - t.clientWidth",
            vec![],
        )
        .await?;
    assert!(
        overflow.as_f64().unwrap_or(0.0) <= 1.0,
        "the matrix scrolls sideways at {width} px: {overflow}"
    );
    c.execute(
        "document.getElementById('detector-matrix').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(c, &format!("detectors-{width}.png")).await?;
    Ok(())
}
