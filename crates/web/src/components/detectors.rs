//! "Which tool would have caught it?": every program of [`Program::ALL`]
//! against every detector of [`Detector::ALL`], each cell computed in the
//! browser by [`leakscope_sim::detect::detect`] for FASE 6 (or FASE 3), with
//! the detection's one-line evidence as the cell's tooltip and in the list
//! under the matrix.
//!
//! Nothing here decides caught or missed: the prose states the lesson for
//! FASE 6, naming the programs the core's stories name (what the detectors
//! miss in each fix people try), and a test holds it against the matrix.

use leakscope_sim::detect::{Detection, Detector, LEAKPROF_THRESHOLD, detect};
use leakscope_sim::{Preset, Program, Scenario, simulate};
use yew::prelude::*;

use crate::format::int;
use crate::view::Health;

/// One program's row of the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The program.
    pub program: Program,
    /// Whether the run has something to catch: its count grows, or its
    /// containers stop reading ([`Health::of`] is not healthy).
    pub faulty: bool,
    /// One detection per detector, in [`Detector::ALL`]'s order.
    pub detections: Vec<Detection>,
}

/// The matrix for a scenario: one [`Row`] per program of [`Program::ALL`].
/// An invalid scenario gives no rows.
pub fn matrix(scenario: &Scenario) -> Vec<Row> {
    Program::ALL
        .iter()
        .filter_map(|&program| {
            let found = detect(scenario, program).ok()?;
            let detections = Detector::ALL
                .iter()
                .filter_map(|&d| found.iter().find(|x| x.detector == d).cloned())
                .collect();
            let trace = simulate(scenario, program).ok()?;
            Some(Row {
                program,
                faulty: Health::of(&trace) != Health::Healthy,
                detections,
            })
        })
        .collect()
}

/// A detector's short name in the matrix's header.
pub const fn label(d: Detector) -> &'static str {
    match d {
        Detector::CountGrowth => "count test",
        Detector::Liveness => "liveness",
        Detector::Goleak => "goleak",
        Detector::GoroutineLeakProfile => "goroutineleak profile",
        Detector::Synctest => "synctest",
        Detector::Leakprof => "LeakProf rule",
        Detector::Wgvet => "wgvet (source)",
    }
}

/// What a detector looks at, in a few words (the header's tooltip).
pub fn looks_at(d: Detector) -> String {
    match d {
        Detector::CountGrowth => {
            "the seed's test: goroutine growth per minute against first count + 2/min".into()
        }
        Detector::Liveness => {
            "containers that read no log line in the last rotation period".into()
        }
        Detector::Goleak => {
            "goroutines the program started that are still alive after Stop()".into()
        }
        Detector::GoroutineLeakProfile => {
            "Go 1.27's goroutineleak profile: goroutines blocked on what no live goroutine can reach".into()
        }
        Detector::Synctest => "testing/synctest running the program, then Stop()".into(),
        Detector::Leakprof => format!(
            "{LEAKPROF_THRESHOLD} or more goroutines blocked in channel operations at one site"
        ),
        Detector::Wgvet => {
            "the static check on the Go source: a Wait() on a group that also holds a goroutine living until cancellation".into()
        }
    }
}

/// How a cell reads: the word ("caught" or "missed"), its icon and its
/// class. A miss is bad only where there is something to catch; a catch on
/// a healthy run is a false alarm.
pub fn cell(d: &Detection, faulty: bool) -> (&'static str, &'static str, &'static str) {
    match (d.caught, faulty) {
        (true, true) => ("caught", "✓", "caught"),
        (false, true) => ("missed", "✕", "missed"),
        (true, false) => ("caught", "!", "false-alarm"),
        (false, false) => ("missed", "·", "quiet"),
    }
}

/// Props of [`Detectors`].
#[derive(Properties, PartialEq)]
pub struct DetectorsProps {
    /// The tools page's matrix in full (both presets, every reason); the
    /// lesson's shows FASE 6 and the reason of every miss.
    #[prop_or_default]
    pub full: bool,
}

/// Every miss of a program with something to catch, grouped by detector
/// and reason: (detector, the programs it misses for that reason, the
/// reason), in [`Detector::ALL`]'s order.
pub fn misses(rows: &[Row]) -> Vec<(Detector, Vec<&'static str>, String)> {
    let mut out: Vec<(Detector, Vec<&'static str>, String)> = Vec::new();
    for (i, &d) in Detector::ALL.iter().enumerate() {
        for r in rows.iter().filter(|r| r.faulty) {
            let Some(x) = r.detections.get(i).filter(|x| !x.caught) else {
                continue;
            };
            match out
                .iter_mut()
                .find(|(od, _, e)| *od == d && *e == x.evidence)
            {
                Some((_, programs, _)) => programs.push(r.program.name()),
                None => out.push((d, vec![r.program.name()], x.evidence.clone())),
            }
        }
    }
    out
}

/// A detector as a sentence names it: `the count test`, `goleak`.
const fn spoken(d: Detector) -> &'static str {
    match d {
        Detector::CountGrowth => "the count test",
        Detector::Liveness => "liveness",
        Detector::Goleak => "goleak",
        Detector::GoroutineLeakProfile => "Go's goroutineleak profile",
        Detector::Synctest => "synctest",
        Detector::Leakprof => "the LeakProf rule",
        Detector::Wgvet => "wgvet",
    }
}

/// The lesson's takeaway on FASE 6, every program named from the core's
/// stories: what the detectors each names miss in it (and why), that the
/// goroutineleak profile reports none, and the programs only one detector
/// of a run sees. A test holds it against the matrix. (Pushed piece by
/// piece: the site's download budget.)
pub fn takeaway() -> String {
    let mut out = String::from("Each tool sees a different part. On FASE 6 ");
    let mut only = String::new();
    for p in Program::ALL {
        let Some(story) = p.story() else {
            continue;
        };
        let n = story.missed_by.len();
        for (i, &d) in story.missed_by.iter().enumerate() {
            out += match i {
                0 => "",
                _ if i + 1 == n => " and ",
                _ => ", ",
            };
            out += spoken(d);
        }
        if n > 0 {
            out += if n == 1 { " misses " } else { " miss " };
            out += p.name();
            out += " (";
            out += story.why_missed;
            out += "); ";
        }
        if let Some(d) = story.seen_only_by {
            only += "; of the tools that watch a run, only ";
            only += spoken(d);
            only += " sees ";
            only += p.name();
        }
    }
    out += "Go's goroutineleak profile reports none of the programs, because the readers wait in network IO and every group stays reachable through the monitor";
    out += &only;
    out.push('.');
    out
}

/// The section.
#[component]
pub fn Detectors(p: &DetectorsProps) -> Html {
    let full = p.full;
    let preset = use_state(|| Preset::Fase6);
    let rows = use_memo(*preset, |p| matrix(&p.scenario()));
    let s = preset.scenario();
    html! {
        <section id={if full { "detector-matrix" } else { "detectors" }} class="story-section detectors">
            if full {
                <h2>{ "Which detector catches which program" }</h2>
            } else {
                <h2><span class="num" aria-hidden="true">{ "7" }</span>{ "Which tool would have caught it?" }</h2>
            }
            <div class="two-col">
            { intro() }
            <div>
            if full {
                { measured_and_toggle(&preset) }
            }
            { matrix_table(&rows, *preset) }
            <p class="muted small">{ "✓ caught, ✕ missed where the program has something to catch; · quiet where it has nothing (the fixed program: a catch there would be a false alarm, !). ⇄ measured on real sockets." }</p>
            </div>
            </div>
            if full {
            { reasons(&rows) }
            } else {
            <ul class="detect-misses" data-testid="detect-misses">
                { for misses(&rows).into_iter().map(|(d, programs, evidence)| html! {
                    <li><span aria-hidden="true">{ "✕ " }</span><strong>{ label(d) }</strong>{ " misses " }
                        { programs.join(", ") }{ format!(": {evidence}") }</li>
                }) }
            </ul>
            }
            if full {
            <p class="muted small">{ format!("Scenario: {} containers, {} minutes, error rate {}%, seed {}; Stop() at minute {} for goleak and synctest.",
                int(u64::from(s.containers)), int(u64::from(s.minutes)), s.error_rate * 100.0, s.seed, int(u64::from(s.stop_at.unwrap_or(s.minutes)))) }</p>
            }
        </section>
    }
}

/// A detector's name, in bold.
fn name(d: Detector) -> Html {
    html! { <strong>{ label(d) }</strong> }
}

/// What each detector looks at, and what each one misses on FASE 6.
fn intro() -> Html {
    html! {
            <div>
            <p>{ "Six ways to look for a leak in a run, and one in the source. The " }{ name(Detector::CountGrowth) }
               { " is the seed's: does the goroutine count grow faster than 2 per minute? " }{ name(Detector::Liveness) }
               { " asks which containers stopped reading their logs; " }{ name(Detector::Goleak) }
               { " fails a test when goroutines the program started outlive " }<code>{ "Stop()" }</code>
               { "; Go 1.27's " }{ name(Detector::GoroutineLeakProfile) }{ " lists goroutines blocked on something no live goroutine can reach; " }
               <code>{ "testing/synctest" }</code>{ " (" }{ name(Detector::Synctest) }{ ") fails a bubble that deadlocks or leaves goroutines blocked; and a " }
               { name(Detector::Leakprof) }{ format!(" in the style of Uber's LeakProf flags {LEAKPROF_THRESHOLD} or more goroutines blocked in channel operations at one site. ") }
               { name(Detector::Wgvet) }{ ", this project's static check, reads the code instead: a " }<code>{ "Wait()" }</code>{ " on a group that also holds a goroutine living until cancellation." }</p>
            <p class="takeaway">{ takeaway() }</p>
            </div>
    }
}

/// The tools page's note on how the Go tests measure each detector, and
/// the choice of scenario.
fn measured_and_toggle(preset: &UseStateHandle<Preset>) -> Html {
    let measured = |live: bool| {
        Detector::ALL
            .iter()
            .filter(|d| d.live() == live && !d.is_static())
            .count()
    };
    let toggle = |p: Preset, text: &'static str| {
        let state = preset.clone();
        html! {
            <label class="radio">
                <input type="radio" name="detect-preset" checked={**preset == p}
                       data-testid={format!("detect-preset-{}", p.name())}
                       onchange={Callback::from(move |_: Event| state.set(p))} />
                { text }
            </label>
        }
    };
    html! {
        <>
            <p class="muted small">{ format!(
                "The Go tests measure each detector on the real programs — under the fake clock for {}, on real TCP sockets for the goroutineleak profile and the LeakProf rule ({}), and the real wgvet on each file — and assert they agree with this matrix: ",
                measured(false), measured(true)) }
               <code>{ "cargo xtask go-detect -- --preset fase6 --program all" }</code>{ "." }</p>
            <fieldset class="detect-toggle">
                <legend>{ "Scenario" }</legend>
                { toggle(Preset::Fase6, "FASE 6 (55 containers, 58 min, streams fail)") }
                { toggle(Preset::Fase3, "FASE 3 (8 containers, 10 min, no failures)") }
            </fieldset>
        </>
    }
}

/// The matrix: a row per detector, a column per program.
fn matrix_table(rows: &[Row], preset: Preset) -> Html {
    html! {
            <div class="table-scroll">
                <table class="detect-matrix" data-testid="detect-matrix" data-preset={preset.name()}>
                    <caption>{ format!("{} programs × {} detectors on {}, computed in your browser by the simulation core; the reasons are listed below.",
                        rows.len(), Detector::ALL.len(), preset.name().to_uppercase().replace("FASE", "FASE ")) }</caption>
                    <thead><tr>
                        <th scope="col">{ "detector" }</th>
                        { for rows.iter().map(|r| html! { <th scope="col"><code>{ r.program.name() }</code></th> }) }
                    </tr></thead>
                    <tbody>
                        { for Detector::ALL.iter().enumerate().map(|(i, &d)| html! {
                            <tr>
                                <th scope="row" title={looks_at(d)}>{ label(d) }
                                    if d.live() { <span class="live-mark" title="measured on real sockets">{ " ⇄" }</span> }</th>
                                { for rows.iter().filter_map(|r| r.detections.get(i).map(|x| (r, x))).map(|(r, x)| {
                                    let (word, icon, class) = cell(x, r.faulty);
                                    html! {
                                        <td class={classes!("cell", class)} title={x.evidence.clone()}
                                            data-testid={format!("detect-{}-{}", r.program, d)} data-caught={x.caught.to_string()}>
                                            <span class="icon" aria-hidden="true">{ icon }</span>{ " " }<span class="word">{ word }</span>
                                        </td>
                                    }
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
    }
}

/// The tools page's reasons: every program's detections, one line each.
fn reasons(rows: &[Row]) -> Html {
    html! {
            <div class="detect-reasons">
                { for rows.iter().map(|r| {
                    let n = r.detections.iter().filter(|x| x.caught).count();
                    html! {
                        <div class="reasons" data-testid={format!("detect-reasons-{}", r.program)}>
                            <p class="reasons-head"><code>{ r.program.name() }</code>{ format!(": caught by {n} of {}{}", r.detections.len(),
                                if r.faulty { "" } else { " (nothing to catch)" }) }</p>
                            <ul>
                                { for r.detections.iter().map(|x| {
                                    let (word, icon, class) = cell(x, r.faulty);
                                    html! {
                                        <li class={class}><span aria-hidden="true">{ icon }</span>{ " " }<strong>{ label(x.detector) }</strong>
                                            { format!(" — {word}: {}", x.evidence) }</li>
                                    }
                                }) }
                            </ul>
                        </div>
                    }
                }) }
            </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix is 4 × 7, and every cell is the core's `detect()`.
    #[test]
    fn the_cells_are_the_cores_detections() {
        for preset in [Preset::Fase6, Preset::Fase3] {
            let s = preset.scenario();
            let rows = matrix(&s);
            assert_eq!(rows.len(), Program::ALL.len());
            for (row, &p) in rows.iter().zip(Program::ALL.iter()) {
                assert_eq!(row.program, p);
                assert_eq!(row.detections.len(), Detector::ALL.len());
                let core = detect(&s, p).unwrap();
                for (x, &d) in row.detections.iter().zip(Detector::ALL.iter()) {
                    assert_eq!(x.detector, d);
                    let want = core.iter().find(|c| c.detector == d).unwrap();
                    assert_eq!(x, want, "{preset:?} {p} {d}");
                    let (word, _, _) = cell(x, row.faulty);
                    assert_eq!(word, if want.caught { "caught" } else { "missed" });
                }
            }
        }
    }

    /// The lesson's list of misses names every miss once, with its reason.
    #[test]
    fn the_misses_cover_every_missed_cell_once() {
        let rows = matrix(&Preset::Fase6.scenario());
        let listed: usize = misses(&rows).iter().map(|m| m.1.len()).sum();
        let missed = rows
            .iter()
            .filter(|r| r.faulty)
            .flat_map(|r| &r.detections)
            .filter(|x| !x.caught)
            .count();
        assert_eq!(listed, missed);
        let profile = misses(&rows)
            .into_iter()
            .find(|m| m.0 == Detector::GoroutineLeakProfile)
            .unwrap();
        assert_eq!(profile.1, ["buggy", "close-only", "wait-timeout"]);
    }

    /// The takeaway names the programs the stories name, and what it says
    /// of them is the matrix's.
    #[test]
    fn the_takeaway_reads_the_fase6_matrix() {
        let rows = matrix(&Preset::Fase6.scenario());
        assert_eq!(
            takeaway(),
            "Each tool sees a different part. On FASE 6 the count test misses close-only (its count is flat, its logs stopped); \
             goleak and synctest miss wait-timeout (Stop() wakes every helper); \
             Go's goroutineleak profile reports none of the programs, because the readers wait in network IO \
             and every group stays reachable through the monitor; \
             of the tools that watch a run, only liveness sees close-only."
        );
        let caught =
            |r: &Row, d: Detector| r.detections.iter().any(|x| x.detector == d && x.caught);
        for r in &rows {
            let Some(story) = r.program.story() else {
                continue;
            };
            assert!(r.faulty, "{}", r.program);
            for &d in story.missed_by {
                assert!(!caught(r, d), "{d} catches {}", r.program);
            }
            if let Some(only) = story.seen_only_by {
                for d in Detector::ALL.into_iter().filter(|d| !d.is_static()) {
                    assert_eq!(caught(r, d), d == only, "{d} on {}", r.program);
                }
            }
        }
    }

    /// What the takeaway says about FASE 6 holds in the core.
    #[test]
    fn the_lesson_holds_on_fase6() {
        let rows = matrix(&Preset::Fase6.scenario());
        let caught = |p: Program, d: Detector| {
            rows.iter()
                .find(|r| r.program == p)
                .and_then(|r| r.detections.iter().find(|x| x.detector == d))
                .unwrap()
                .caught
        };
        assert!(!caught(Program::CLOSE_ONLY, Detector::CountGrowth));
        // wgvet: every one-group program, not the fix.
        for p in Program::ALL {
            assert_eq!(caught(p, Detector::Wgvet), p != Program::FIXED, "{p}");
        }
        assert!(!caught(Program::WAIT_TIMEOUT, Detector::Goleak));
        assert!(!caught(Program::WAIT_TIMEOUT, Detector::Synctest));
        for p in Program::ALL {
            assert!(!caught(p, Detector::GoroutineLeakProfile), "{p}");
        }
        for d in Detector::ALL.into_iter().filter(|d| !d.is_static()) {
            assert_eq!(
                caught(Program::CLOSE_ONLY, d),
                d == Detector::Liveness,
                "of the run's detectors, only liveness sees close-only: {d}"
            );
        }
        // Only the fixed run has nothing to catch.
        for r in &rows {
            assert_eq!(r.faulty, r.program != Program::FIXED, "{}", r.program);
        }
        // The prose's count of detectors measured under the fake clock.
        assert_eq!(
            Detector::ALL
                .iter()
                .filter(|d| !d.live() && !d.is_static())
                .count(),
            4
        );
    }
}
