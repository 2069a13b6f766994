//! One pane: the program chosen for it, its goroutine count now, its
//! verdict for the whole run, its log lines, its WaitGroups as objects with
//! their holders, what `Stop()` did, and its lanes.

use std::rc::Rc;

use leakscope_sim::code::Anchor;
use leakscope_sim::{
    ContainerView, GroupState, Program, Snapshot, Time, Trace, Verdict, WaitGroupName,
};
use yew::prelude::*;

use super::canvas::{HeatCanvas, LANE_LIMIT, LanesCanvas, lane_window};
use crate::format;
use crate::palette;
use crate::state::{Runs, Side};
use crate::view::{CounterRow, Health, Mood, counter_timeline};

/// Props of [`Pane`].
#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// Every program's run.
    pub runs: Rc<Runs>,
    /// Which pane.
    pub side: Side,
    /// Which program this pane shows.
    pub program: Program,
    /// The virtual clock.
    pub at: Time,
    /// The selected container.
    pub container: u32,
    /// Bumped on resize.
    pub layout: u32,
    /// Select a container.
    pub on_select: Callback<u32>,
    /// Choose another program for this pane.
    pub on_pick: Callback<Program>,
}

/// The `data-testid` of a group's counter summed over containers:
/// `wg-<program>` for a program's one group, `wg-<program>-heartbeat` and
/// `wg-<program>-reader` for a program with one group per lifecycle.
pub fn group_testid(program: Program, group: WaitGroupName) -> String {
    match group {
        WaitGroupName::Wg => format!("wg-{program}"),
        WaitGroupName::HeartbeatWg => format!("wg-{program}-heartbeat"),
        WaitGroupName::ReaderWg => format!("wg-{program}-reader"),
    }
}

/// What `Stop()` did, in one sentence, when the scenario calls it.
pub fn stop_sentence(trace: &Trace, at: Time) -> Option<String> {
    let s = trace.stop()?;
    let when = format::minute(s.minute);
    let not_yet = if trace.scenario().stop().is_some_and(|t| at < t) {
        " (later in the run)"
    } else {
        ""
    };
    let left = format!(
        "{} goroutine{} of the monitor left",
        format::int(s.left),
        if s.left == 1 { "" } else { "s" }
    );
    Some(if s.returned {
        format!("Stop() at {when}{not_yet} returns: every group reaches 0; {left}.")
    } else {
        format!(
            "Stop() at {when}{not_yet} hangs in Wait() on container {}: readers left behind hold its group for good ({} of {} containers never reach 0); {left}.",
            s.hangs_on.unwrap_or(0),
            s.hung_containers,
            trace.scenario().containers
        )
    })
}

/// One pane.
#[component]
pub fn Pane(p: &PaneProps) -> Html {
    let trace = p.runs.trace(p.program);
    let (Ok(snap), Ok(view)) = (trace.snapshot(p.at), trace.container_at(p.container, p.at)) else {
        return html! {};
    };
    let v = p.program.name();
    let side = p.side.name();
    let a = trace.analysis();
    let n = p.runs.scenario.containers;
    let health = Health::of(trace);
    let verdict_class = match a.verdict {
        Verdict::Pass => "pass",
        Verdict::Leak => "leak",
    };
    let (first, count) = lane_window(n, p.container);
    let r = &snap.by_role;
    let pick = {
        let on_pick = p.on_pick.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(program) = select.value().parse::<Program>() {
                on_pick.emit(program);
            }
        })
    };
    let stop = stop_sentence(trace, p.at);
    let stop_returned = trace.stop().map(|s| s.returned);
    html! {
        <section class="pane" style={format!("--prog:{}", palette::program(p.program).css())}
                 data-testid={format!("pane-{side}")} data-program={v} aria-labelledby={format!("pane-{side}-h")}>
            <div class="pane-top">
                <h3 id={format!("pane-{side}-h")}>
                    <span class="pane-icon" role="img" title={health.words()} aria-label={health.words()}>{ health.icon() }</span>
                    <code class="pane-name">{ v }</code>{ format!(": {}", p.program.def().title) }
                </h3>
                <label class="pick">
                    <span class="visually-hidden">{ format!("Program in the {side} pane") }</span>
                    <select data-testid={format!("pick-{side}")} onchange={pick}>
                        { for Program::ALL.iter().map(|&q| html! {
                            <option value={q.name()} selected={q == p.program}>{ q.name() }</option>
                        }) }
                    </select>
                </label>
            </div>
            <p class="pane-summary">{ p.program.def().summary }</p>
            <dl class="stats">
                <div class="stat">
                    <dt>{ "goroutines now" }</dt>
                    <dd class="big"><span data-testid={format!("goroutines-{v}")}>{ format::int(snap.goroutines) }</span></dd>
                </div>
                <div class="stat">
                    <dt>{ "count test, whole run" }</dt>
                    <dd>
                        <span class={classes!("verdict", verdict_class)}>
                            <span aria-hidden="true">{ if a.verdict == Verdict::Pass { "✓ " } else { "✕ " } }</span>
                            <span data-testid={format!("verdict-{v}")}>{ a.verdict.name() }</span>
                        </span>
                        <small class="why">{ format!(
                            "growth {}/min (limit 2); final {} (limit {})",
                            format::signed(a.growth_per_min, 2),
                            format::int(a.final_goroutines),
                            format::dec(a.limit, 0)
                        ) }</small>
                    </dd>
                </div>
                <div class="stat">
                    <dt>{ "log lines read" }</dt>
                    <dd><span data-testid={format!("lines-{v}")}>{ format::int(snap.lines_read) }</span></dd>
                </div>
                <div class={classes!("stat", (snap.silent_containers > 0).then_some("bad"))}
                     title="containers that read no log line for a whole rotation period">
                    <dt>{ "silent containers" }</dt>
                    <dd><span data-testid={format!("silent-{v}")}>{ format::int(snap.silent_containers) }</span>{ format!(" of {}", format::int(u64::from(n))) }</dd>
                </div>
                <div class="stat">
                    <dt>{ "readers left behind" }</dt>
                    <dd>{ format::int(snap.leaked_readers) }</dd>
                </div>
                <div class={classes!("stat", (snap.stalled_containers > 0).then_some("bad"))}>
                    <dt>{ "containers stuck in Wait()" }</dt>
                    <dd><span data-testid={format!("stalled-{v}")}>{ format::int(snap.stalled_containers) }</span>{ format!(" of {}", format::int(u64::from(n))) }</dd>
                </div>
            </dl>
            <p class="roles">{ format!(
                "By role: {} heartbeat · {} reader · {} handler · {} waiter · {} helper · {} system (the runtime's and the :6060 debug server's own goroutines: the baseline parameter, 0 unless set, so that only the monitor's goroutines are counted)",
                format::int(r.heartbeat), format::int(r.reader), format::int(r.handler),
                format::int(r.waiter), format::int(r.helper), format::int(r.system)
            ) }</p>
            if let Some(text) = stop {
                <p class={classes!("stop", if stop_returned == Some(true) { "good" } else { "bad" })}
                   data-testid={format!("stop-{v}")}>
                    <span aria-hidden="true">{ if stop_returned == Some(true) { "✓ " } else { "‖ " } }</span>{ text }
                </p>
            }
            <WaitGroups program={p.program} view={view.clone()} snap={snap.clone()} containers={n}
                        current_reader={current_reader(trace, &view)} />
            <Timeline rows={counter_timeline(trace, p.container, p.at)} container={p.container} />
            <h4 class="lanes-h">{
                if count == n { format!("Lanes: all {} containers", format::int(u64::from(n))) }
                else { format!("Lanes: containers {first}–{} of {}", first + count - 1, format::int(u64::from(n))) }
            }</h4>
            <LanesCanvas runs={p.runs.clone()} program={p.program} at={p.at} container={p.container}
                         layout={p.layout} on_select={p.on_select.clone()} />
            if n > LANE_LIMIT {
                <HeatCanvas runs={p.runs.clone()} program={p.program} at={p.at} container={p.container}
                            layout={p.layout} on_select={p.on_select.clone()} />
            }
        </section>
    }
}

fn current_reader(trace: &Trace, view: &ContainerView) -> Option<(u32, u64)> {
    let record = trace.containers().get(view.index as usize)?;
    let r = record
        .rotations()
        .get(view.rotation.checked_sub(1)? as usize)?;
    (view.stalled_since.is_none()).then(|| (view.rotation, r.reader()))
}

#[derive(Properties, PartialEq)]
struct WaitGroupsProps {
    program: Program,
    view: ContainerView,
    snap: Snapshot,
    containers: u32,
    current_reader: Option<(u32, u64)>,
}

/// The program's WaitGroups as objects: the selected container's counter
/// and who holds it, and the counter summed over every container.
#[component]
fn WaitGroups(p: &WaitGroupsProps) -> Html {
    let c = p.view.index;
    let groups = WaitGroupName::of(p.program);
    html! {
        <div class="wgs">
            { for groups.iter().map(|&g| {
                let mine = p.view.wait_groups.get(g).copied().unwrap_or_default();
                let all = p.snap.wait_groups.get(g).copied().unwrap_or_default();
                html! {
                    <div class={classes!("wg-card", (mine.waiters > 0).then_some("blocked"))}>
                        <div class="wg-head">
                            <code class="wg-name">{ format!("c{c}.{g}") }</code>
                            <span class="wg-counter" aria-label={format!("{g} counter of container {c}")}>{ format::int(mine.counter) }</span>
                        </div>
                        <ul class="holders">{ holders(&mine, &p.view, p.current_reader) }</ul>
                        <p class="wg-sum">
                            { format!("All {} containers: ", format::int(u64::from(p.containers))) }
                            <code>{ g.name() }</code>{ " = " }
                            <strong data-testid={group_testid(p.program, g)}>{ format::int(all.counter) }</strong>
                            { format!(
                                " ({} heartbeat + {} reader holds){}",
                                format::int(all.holders.heartbeat),
                                format::int(all.holders.reader),
                                if all.waiters > 0 { format!(", {} blocked in Wait()", format::int(all.waiters)) } else { String::new() }
                            ) }
                        </p>
                    </div>
                }
            }) }
        </div>
    }
}

fn holders(s: &GroupState, view: &ContainerView, current: Option<(u32, u64)>) -> Html {
    let mut items: Vec<Html> = Vec::new();
    if s.holders.heartbeat > 0 {
        items.push(html! {
            <li class="holder heartbeat"><span class="chip" aria-hidden="true">{ "♥" }</span>
                { "heartbeat holds 1 until Stop() ends it" }</li>
        });
    }
    let left = u64::from(view.leaked_readers);
    // Readers left behind hold the reader group, whichever it is.
    let current_holds = s.holders.reader.saturating_sub(left);
    if let (Some((n, id)), true) = (current, current_holds > 0) {
        items.push(html! {
            <li class="holder reader"><span class="chip" aria-hidden="true">{ "▬" }</span>
                { format!("reader #{n} (") }<code>{ format!("goroutine {id}") }</code>
                { ") holds 1 until its stream is closed" }</li>
        });
    }
    if s.holders.reader > 0 && left > 0 {
        items.push(html! {
            <li class="holder left"><span class="chip" aria-hidden="true">{ "✕" }</span>
                { format!("{} left behind hold {}: their streams were never closed, so they never call Done()", crate::format::count(left, "reader", "readers"), format::int(left)) }</li>
        });
    }
    if let (Some(since), true) = (view.stalled_since, s.waiters > 0) {
        items.push(html! {
            <li class="holder waiter"><span class="chip" aria-hidden="true">{ "‖" }</span>
                { format!("rotate() blocked in Wait() since {since}: the counter cannot reach 0") }</li>
        });
    }
    let helpers = s.waiters - u64::from(view.stalled_since.is_some()).min(s.waiters);
    if helpers > 0 {
        items.push(html! {
            <li class="holder waiter"><span class="chip" aria-hidden="true">{ "‖" }</span>
                { format!("{} blocked in Wait(): the heartbeat's count never lets them return, and nobody waits for them any more", crate::format::count(helpers, "helper goroutine", "helper goroutines")) }</li>
        });
    }
    if view.anchor == Anchor::TimeoutSelect && s.waiters > 0 {
        items.push(html! {
            <li class="holder none"><span class="chip" aria-hidden="true">{ "◷" }</span>
                { "rotate() selects on the helper and the timeout: the timeout will win" }</li>
        });
    }
    if items.is_empty() {
        items.push(html! {
            <li class="holder none"><span class="chip" aria-hidden="true">{ "○" }</span>
                { "nobody holds it: Wait() returns at once" }</li>
        });
    }
    items.into_iter().collect()
}

#[derive(Properties, PartialEq)]
struct TimelineProps {
    rows: Vec<CounterRow>,
    container: u32,
}

/// The seed's "counter timeline" for the selected container, last rows.
#[component]
fn Timeline(p: &TimelineProps) -> Html {
    const SHOWN: usize = 7;
    let skip = p.rows.len().saturating_sub(SHOWN);
    html! {
        <details class="timeline" open=true>
            <summary>{ format!("Counter timeline of container {}", p.container) }
                if skip > 0 { <small>{ format!(" (last {SHOWN} of {})", p.rows.len()) }</small> }
            </summary>
            <table>
                <thead><tr><th>{ "time" }</th><th>{ "what the program did" }</th><th>{ "group" }</th><th>{ "counter" }</th></tr></thead>
                <tbody>
                    { for p.rows.iter().skip(skip).map(|r| html! {
                        <tr class={match r.mood { Mood::Bad => "bad", Mood::Good => "good", Mood::Neutral => "" }}>
                            <td><time>{ r.time.to_string() }</time></td>
                            <td>{ &r.what }</td>
                            <td>{ r.group.map(|g| html! { <code>{ g.name() }</code> }).unwrap_or_default() }</td>
                            <td class="num">{ r.counter.map(|c| format::int(u64::from(c))).unwrap_or_else(|| "·".into()) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="muted small">{ "· in the counter column: this step does not change a WaitGroup's counter." }</p>
        </details>
    }
}
