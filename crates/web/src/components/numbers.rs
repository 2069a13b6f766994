//! The seed's "mathematical proof" recomputed from the run on the page,
//! next to the seed's own figures, with where and why they differ.

use std::rc::Rc;

use leakscope_sim::formula::expected_goroutines;
use leakscope_sim::seed::SeedTable;
use leakscope_sim::seed::{self, proof};
use leakscope_sim::{Preset, Program, Proof, Scenario, simulate};
use yew::prelude::*;

use crate::format::{self, dec, int, signed};
use crate::state::Runs;

/// Props of [`Numbers`].
#[derive(Properties, PartialEq)]
pub struct NumbersProps {
    /// Every program's run (the proof is about the seed's two).
    pub runs: Rc<Runs>,
    /// The preset the scenario came from.
    pub preset: Preset,
}

/// One row of the proof's table.
struct Row {
    what: &'static str,
    seed: String,
    model: String,
    why: String,
}

/// What the proof's rows are computed from: this run and the seed's FASE 6
/// tables.
struct Sources<'a> {
    /// The scenario on the page.
    s: &'a Scenario,
    /// The buggy run's figures.
    b: Proof,
    /// The fixed run's figures.
    f: Proof,
    /// The seed's FASE 6 table for the buggy program.
    f6: &'static SeedTable,
    /// The seed's FASE 6 table for the fixed program.
    f6_fixed: &'static SeedTable,
    /// Its first row, (minute, goroutines).
    seed_first: (u32, u64),
    /// Its last row, (minute, goroutines).
    seed_last: (u32, u64),
}

/// The numbers section.
#[component]
pub fn Numbers(p: &NumbersProps) -> Html {
    // FASE 6's buggy run, first and last minute: what the seed's counting
    // is set against, whatever the scenario on the page.
    let fase6_ends = use_memo((), |_| {
        let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).ok()?;
        let samples = trace.samples();
        Some((samples.first()?.goroutines, samples.last()?.goroutines))
    });
    let runs = &p.runs;
    let s = &runs.scenario;
    let (Some(f6), Some(f6_fixed)) = (
        seed::table(Preset::Fase6, Program::BUGGY),
        seed::table(Preset::Fase6, Program::FIXED),
    ) else {
        return html! {};
    };
    let src = Sources {
        s,
        b: Proof::of(runs.trace(Program::BUGGY)),
        f: Proof::of(runs.trace(Program::FIXED)),
        f6,
        f6_fixed,
        seed_first: f6.rows.first().copied().unwrap_or_default(),
        seed_last: f6.rows.last().copied().unwrap_or_default(),
    };
    let is_fase6 = *s == Preset::Fase6.scenario();
    let seed_counting = (*fase6_ends).map(|ends| src.seed_counting(ends));
    let fase3 = p.preset == Preset::Fase3;

    html! {
        <div class="numbers">
            if !is_fase6 {
                <p class="caveat">{ format!(
                    "This run is not FASE 6 (it has {} containers, {} minutes, error rate {}); the seed's figures were measured on FASE 6, so read the comparison as indicative. The \"this run\" column is always recomputed from the scenario in the address.",
                    s.containers, s.minutes, s.error_rate) }</p>
            }
            { seed_counting.unwrap_or_default() }
            <div class="table-scroll">
                <table class="proof">
                    <caption>{ "The seed's proof, recomputed from this run" }</caption>
                    <thead><tr><th>{ "" }</th><th>{ "seed says" }</th><th>{ "this run" }</th><th>{ "where they differ, and why" }</th></tr></thead>
                    <tbody>
                        { for src.rows().into_iter().map(|r| html! {
                            <tr><th scope="row">{ r.what }</th><td class="num">{ r.seed }</td>
                                <td class="num model">{ r.model }</td><td class="why">{ r.why }</td></tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <div class="table-scroll">{ timeline(runs, if fase3 { Preset::Fase3 } else { Preset::Fase6 }) }</div>
            if fase3 {
                <p>{ format!(
                    "FASE 3's 16 → 14 is −0.2/min, not −0.5/min. The model's buggy count falls too, and further: {} → {} here. A healthy rotation closes its stream, whose reader and {} handlers exit, and the goroutine that calls Wait() blocks in their place: −{} per container that stalls; a failed one adds g. The seed's 16 is again 2 per container, the handlers left out. FASE 3 passes because its streams do not fail: every container blocks in Wait() at 5:00 and stops reading its logs — the check passes because the monitor stopped monitoring. ",
                    int(src.b.initial), int(src.b.final_goroutines), s.goroutines_per_reader - 1, s.goroutines_per_reader - 1) }</p>
            }
        </div>
    }
}

impl Sources<'_> {
    /// "How the seed counts": its FASE 6 start against the model's, given
    /// the model's FASE 6 buggy run's first and last count.
    fn seed_counting(&self, (start, end): (u64, u64)) -> Html {
        let (seed_first, seed_last) = (self.seed_first, self.seed_last);
        let g6 = Preset::Fase6.scenario().goroutines_per_reader;
        let n6 = Preset::Fase6.scenario().containers;
        html! {
            <p class="seed-counting" data-testid="seed-counting">
                <strong>{ "How the seed counts. " }</strong>
                { format!(
                    "Its FASE 6 table starts at {} = {} × 2: heartbeat and reader, the monitor's own goroutines only. Its proof explains each reader left behind as ~3 goroutines: the reader and {} stream handlers. For one Docker client the two cannot both hold: a stream's handlers (net/http's readLoop and writeLoop) run from the moment the stream opens until it is closed, healthy or half-open, so a healthy reader has them too. Go shows {} goroutines per healthy container — heartbeat, reader and {} handlers — and FASE 6 starts at {}, not {}. ",
                    int(seed_first.1), n6, g6 - 1, 1 + g6, g6 - 1, int(start), int(seed_first.1)) }
                { format!(
                    " The seed's end, ~{} at minute {}, is close to the model's {} (which Go's run equals).",
                    int(seed_last.1), seed_last.0, int(end)) }
            </p>
        }
    }

    /// The proof's table, top to bottom.
    fn rows(&self) -> Vec<Row> {
        let mut rows = self.counts();
        rows.extend(self.rotations());
        rows.extend(self.limit());
        rows
    }

    /// The counts: containers, goroutines at the start and the end, leaked.
    fn counts(&self) -> Vec<Row> {
        let (s, b, f6) = (self.s, &self.b, self.f6);
        let (seed_first, seed_last) = (self.seed_first, self.seed_last);
        let g = s.goroutines_per_reader;
        let straight = seed_first.1 as f64 + f6.growth_per_min * f64::from(seed_last.0);
        let expected_end = expected_goroutines(s, Program::BUGGY, s.horizon());
        let is_fase6 = *s == Preset::Fase6.scenario();
        vec![
            Row {
                what: "containers",
                seed: format!("{} (in the proof)", proof::CONTAINERS_IN_PROOF),
                model: int(u64::from(s.containers)),
                why: format!(
                    "The proof divides by {}, but FASE 6 runs {} containers, and its own table starts at {} = {} × 2 (heartbeat and reader only; see above).",
                    proof::CONTAINERS_IN_PROOF,
                    Preset::Fase6.scenario().containers,
                    seed_first.1,
                    Preset::Fase6.scenario().containers
                ),
            },
            Row {
                what: "goroutines at minute 0",
                seed: format!("~{}", proof::INITIAL),
                model: int(b.initial),
                why: format!(
                    "{} per container (heartbeat, reader and its open stream's {} handlers, as Go counts them){}: {} × {}{}. The seed's ~{} is {} × 2, the handlers left out.",
                    1 + g,
                    g - 1,
                    if s.baseline_goroutines > 0 {
                        " plus the baseline"
                    } else {
                        ""
                    },
                    s.containers,
                    1 + g,
                    if s.baseline_goroutines > 0 {
                        format!(" + {}", s.baseline_goroutines)
                    } else {
                        String::new()
                    },
                    proof::INITIAL,
                    proof::CONTAINERS_IN_PROOF
                ),
            },
            Row {
                what: "goroutines at the end",
                seed: int(proof::FINAL),
                model: int(b.final_goroutines),
                why: format!(
                    "The seed's table grows {}/min to minute {}, then its last row adds {} in {} minutes; {} + {} × {} = {}, not {}. Over all seeds this run expects {}.{}",
                    dec(f6.growth_per_min, 1),
                    f6.rows[f6.rows.len() - 2].0,
                    int(seed_last.1 - f6.rows[f6.rows.len() - 2].1),
                    seed_last.0 - f6.rows[f6.rows.len() - 2].0,
                    seed_first.1,
                    dec(f6.growth_per_min, 1),
                    seed_last.0,
                    int(straight.round() as u64),
                    int(seed_last.1),
                    int(expected_end.round() as u64),
                    if is_fase6 {
                        format!(
                            " The seed's ~{} is close to this run's {}.",
                            int(proof::FINAL),
                            int(b.final_goroutines)
                        )
                    } else {
                        String::new()
                    }
                ),
            },
            Row {
                what: "leaked goroutines",
                seed: int(proof::LEAKED),
                model: int(b.leaked),
                why: format!(
                    "final − initial. With the seed's own {} start it would be {}. This run's initial counts every open stream's handlers, which the seed's start leaves out.",
                    int(seed_first.1),
                    int(proof::FINAL - seed_first.1)
                ),
            },
        ]
    }

    /// The rotations: how many fell due, and what each left behind.
    fn rotations(&self) -> Vec<Row> {
        let (s, b) = (self.s, &self.b);
        let (seed_first, seed_last) = (self.seed_first, self.seed_last);
        let g = s.goroutines_per_reader;
        let seed_rotations = Preset::Fase6.scenario().rotations_per_container();
        let seed_per_rotation_55 = (seed_last.1 - seed_first.1) as f64
            / (u64::from(seed_last.0) / 5).max(1) as f64
            / f64::from(Preset::Fase6.scenario().containers);
        vec![
            Row {
                what: "rotations due per container",
                seed: dec(proof::ROTATIONS, 1),
                model: int(b.rotations),
                why: format!(
                    "Rotations fall due at whole periods: ⌊{} min ÷ {}⌋ = {} (the seed divides 58 ÷ 5 = 11.6; its own 58 minutes give {}).",
                    s.minutes,
                    format::period(s.rotation_secs),
                    b.rotations,
                    seed_rotations
                ),
            },
            Row {
                what: "leaked per rotation",
                seed: dec(proof::PER_ROTATION, 1),
                model: dec(b.leaked_per_rotation, 1),
                why: String::from("leaked ÷ rotations."),
            },
            Row {
                what: "per container per rotation",
                seed: dec(proof::PER_CONTAINER_PER_ROTATION, 2),
                model: dec(b.per_container_per_rotation, 2),
                why: format!(
                    "The seed divides by 50; with its own 55 containers and 11 rotations its figures give {} — the model's g = {g}: a failed reader and its {} stream handlers stay. Below g when some rotations did not fail: that container stalls instead, and its closed stream's reader and handlers exit (−{} each).",
                    dec(seed_per_rotation_55, 2),
                    g - 1,
                    g - 1
                ),
            },
            Row {
                what: "readers left behind",
                seed: format!("{} (dump summary)", int(proof::LEAKED)),
                model: format!(
                    "{} (+{} handlers)",
                    int(b.leaked_readers),
                    int(b.leaked_handlers)
                ),
                why: format!(
                    "The seed's dump counts {} leaked readers while its proof explains {} leaked goroutines as ~3 per reader (~{} readers). Here: {} readers × {g} = {} goroutines.",
                    int(proof::LEAKED),
                    int(proof::LEAKED),
                    int(proof::LEAKED / 3),
                    int(b.leaked_readers),
                    int(b.leaked_readers * u64::from(g))
                ),
            },
            Row {
                what: "containers stuck in Wait()",
                seed: "not counted".into(),
                model: int(b.stalled_containers),
                why: format!(
                    "A healthy rotation in the buggy program blocks in Wait() for good: that container's logs stop, and its count even falls by {} (the closed stream's handlers exit with its reader; the goroutine blocked in Wait() takes the reader's place): the count alone cannot show it.",
                    g - 1
                ),
            },
        ]
    }

    /// The limit, the growth, the verdict and the fixed program's figures.
    fn limit(&self) -> Vec<Row> {
        let (s, b, f, f6, f6_fixed) = (self.s, &self.b, &self.f, self.f6, self.f6_fixed);
        let (seed_first, seed_last) = (self.seed_first, self.seed_last);
        let g = s.goroutines_per_reader;
        let seed_limit = seed_first.1 as f64 + 2.0 * f64::from(seed_last.0);
        let seed_points: Vec<(f64, f64)> = f6
            .rows
            .iter()
            .map(|&(m, g)| (f64::from(m), g as f64))
            .collect();
        let seed_fit = leakscope_sim::analysis::slope(&seed_points);
        vec![
            Row {
                what: "limit (initial + 2/min)",
                seed: int(proof::LIMIT),
                model: dec(b.analysis.limit, 0),
                why: format!(
                    "\"100 + 116\" uses the 50-container start; this run: {} + 2 × {} = {}.",
                    b.initial,
                    s.minutes,
                    dec(b.analysis.limit, 0)
                ),
            },
            Row {
                what: "times over the limit",
                seed: format!("{}×", dec(proof::TIMES_OVER_LIMIT, 1)),
                model: format!("{}×", dec(b.times_over_limit, 1)),
                why: format!(
                    "final ÷ limit; with the limit of FASE 6's own {} start the seed's {} ÷ {} would be {}×.",
                    int(seed_first.1),
                    int(proof::FINAL),
                    dec(seed_limit, 0),
                    dec(proof::FINAL as f64 / seed_limit, 1)
                ),
            },
            Row {
                what: "growth per minute (buggy)",
                seed: signed(f6.growth_per_min, 2),
                model: signed(b.analysis.growth_per_min, 2),
                why: format!(
                    "Least-squares slope over every minute of the run; the seed's own rows fit to {}/min, not {}.",
                    dec(seed_fit, 1),
                    dec(f6.growth_per_min, 1)
                ),
            },
            Row {
                what: "growth ÷ 2/min",
                seed: format!("{}×", dec(proof::GROWTH_OVER_LIMIT, 2)),
                model: format!("{}×", dec(b.growth_over_limit, 2)),
                why: format!(
                    "{} ÷ 2 = {}: the division is right.",
                    dec(f6.growth_per_min, 1),
                    dec(f6.growth_per_min / 2.0, 2)
                ),
            },
            Row {
                what: "verdict (buggy)",
                seed: "❌ leak".into(),
                model: format!(
                    "{} {}",
                    if b.analysis.verdict.name() == "leak" {
                        "✕"
                    } else {
                        "✓"
                    },
                    b.analysis.verdict
                ),
                why: String::from(
                    "Leak when growth > 2/min or the final count is above the limit.",
                ),
            },
            Row {
                what: "fixed: growth, final",
                seed: format!(
                    "{}/min, {}",
                    signed(f6_fixed.growth_per_min, 2),
                    int(f6_fixed.rows.last().map_or(0, |r| r.1))
                ),
                model: format!(
                    "{}/min, {}",
                    signed(f.analysis.growth_per_min, 2),
                    int(f.final_goroutines)
                ),
                why: format!(
                    "The fixed program closes every stream and its Wait() returns: no path adds a lasting goroutine, so it stays flat at {} per container. The seed's {} → {} must come from outside the monitor (its start again counts 2 per container); both are within the limit.",
                    1 + g,
                    int(f6_fixed.rows.first().map_or(0, |r| r.1)),
                    int(f6_fixed.rows.last().map_or(0, |r| r.1))
                ),
            },
        ]
    }
}

/// The seed's timeline for `preset` next to this run's, minute by minute.
fn timeline(runs: &Runs, preset: Preset) -> Html {
    let (Some(sb), Some(sf)): (Option<&SeedTable>, Option<&SeedTable>) = (
        seed::table(preset, Program::BUGGY),
        seed::table(preset, Program::FIXED),
    ) else {
        return html! {};
    };
    let bs = runs.trace(Program::BUGGY).samples();
    let fs = runs.trace(Program::FIXED).samples();
    html! {
        <table class="compare">
            <caption>{ format!("{}: the seed's timeline next to this run", preset.name().to_uppercase()) }</caption>
            <thead><tr><th>{ "minute" }</th><th>{ "seed, buggy" }</th><th>{ "model, buggy" }</th>
                <th>{ "seed, fixed" }</th><th>{ "model, fixed" }</th></tr></thead>
            <tbody>
                { for sb.rows.iter().zip(sf.rows).map(|(&(m, gb), &(_, gf))| {
                    let mb = bs.get(m as usize).map(|x| int(x.goroutines)).unwrap_or_else(|| "—".into());
                    let mf = fs.get(m as usize).map(|x| int(x.goroutines)).unwrap_or_else(|| "—".into());
                    html! { <tr><td>{ format::minute(m) }</td><td class="num">{ int(gb) }</td><td class="num">{ mb }</td>
                        <td class="num">{ int(gf) }</td><td class="num">{ mf }</td></tr> }
                }) }
                <tr class="total"><td>{ "growth/min" }</td><td class="num">{ signed(sb.growth_per_min, 2) }</td>
                    <td class="num">{ signed(runs.trace(Program::BUGGY).analysis().growth_per_min, 2) }</td>
                    <td class="num">{ signed(sf.growth_per_min, 2) }</td>
                    <td class="num">{ signed(runs.trace(Program::FIXED).analysis().growth_per_min, 2) }</td></tr>
            </tbody>
        </table>
    }
}
