//! One program's pane: its goroutine count now, its verdict for the whole
//! run, its WaitGroups as objects with their holders, and its lanes.

use std::rc::Rc;

use leakscope_sim::{ContainerView, Group, GroupState, Snapshot, Time, Trace, Variant, Verdict};
use yew::prelude::*;

use super::canvas::{HeatCanvas, LANE_LIMIT, LanesCanvas, lane_window};
use crate::format;
use crate::state::Runs;
use crate::view::{CounterRow, Mood, counter_timeline};

/// Props of [`Pane`].
#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// Both runs.
    pub runs: Rc<Runs>,
    /// Which program this pane shows.
    pub variant: Variant,
    /// The virtual clock.
    pub at: Time,
    /// The selected container.
    pub container: u32,
    /// Bumped on resize.
    pub layout: u32,
    /// Select a container.
    pub on_select: Callback<u32>,
}

/// The `data-testid` of a group's summed counter.
pub const fn group_testid(group: Group) -> &'static str {
    match group {
        Group::Wg => "wg-buggy",
        Group::HeartbeatWg => "wg-fixed-heartbeat",
        Group::ReaderWg => "wg-fixed-reader",
    }
}

/// One program's pane.
#[component]
pub fn Pane(p: &PaneProps) -> Html {
    let trace = p.runs.trace(p.variant);
    let (Ok(snap), Ok(view)) = (trace.snapshot(p.at), trace.container_at(p.container, p.at)) else {
        return html! {};
    };
    let v = p.variant.name();
    let a = trace.analysis();
    let n = p.runs.scenario.containers;
    let (title, icon) = match p.variant {
        Variant::Buggy => ("Buggy: one WaitGroup for two lifecycles", "✕"),
        Variant::Fixed => ("Fixed: one WaitGroup per lifecycle", "✓"),
    };
    let verdict_class = match a.verdict {
        Verdict::Pass => "pass",
        Verdict::Leak => "leak",
    };
    let (first, count) = lane_window(n, p.container);
    let r = &snap.by_role;
    html! {
        <section class={classes!("pane", v)} aria-labelledby={format!("pane-{v}-h")}>
            <h3 id={format!("pane-{v}-h")}><span class="pane-icon" aria-hidden="true">{ icon }</span>{ title }</h3>
            <dl class="stats">
                <div class="stat">
                    <dt>{ "goroutines now" }</dt>
                    <dd class="big"><span data-testid={format!("goroutines-{v}")}>{ snap.goroutines }</span></dd>
                </div>
                <div class="stat">
                    <dt>{ "verdict, whole run" }</dt>
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
                    <dt>{ "readers left behind" }</dt>
                    <dd>{ format::int(snap.leaked_readers) }</dd>
                </div>
                <div class="stat">
                    <dt>{ "containers stuck in Wait()" }</dt>
                    <dd>{ format!("{} of {n}", format::int(snap.stalled_containers)) }</dd>
                </div>
            </dl>
            <p class="roles">{ format!(
                "By role: {} heartbeat · {} reader · {} handler · {} waiter · {} system",
                format::int(r.heartbeat), format::int(r.reader), format::int(r.handler),
                format::int(r.waiter), format::int(r.system)
            ) }</p>
            <WaitGroups trace_variant={p.variant} view={view.clone()} snap={snap.clone()} containers={n}
                        current_reader={current_reader(trace, &view)} />
            <Timeline rows={counter_timeline(trace, p.container, p.at)} container={p.container} />
            <h4 class="lanes-h">{
                if count == n { format!("Lanes: all {n} containers") }
                else { format!("Lanes: containers {first}–{} of {n}", first + count - 1) }
            }</h4>
            <LanesCanvas runs={p.runs.clone()} variant={p.variant} at={p.at} container={p.container}
                         layout={p.layout} on_select={p.on_select.clone()} />
            if n > LANE_LIMIT {
                <HeatCanvas runs={p.runs.clone()} variant={p.variant} at={p.at} container={p.container}
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
    trace_variant: Variant,
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
    let groups = Group::of(p.trace_variant);
    html! {
        <div class="wgs">
            { for groups.iter().map(|&g| {
                let mine = p.view.wait_groups.get(g).copied().unwrap_or_default();
                let all = p.snap.wait_groups.get(g).copied().unwrap_or_default();
                html! {
                    <div class={classes!("wg-card", (mine.waiters > 0).then_some("blocked"))}>
                        <div class="wg-head">
                            <code class="wg-name">{ format!("c{c}.{g}") }</code>
                            <span class="wg-counter" aria-label={format!("{g} counter of container {c}")}>{ mine.counter }</span>
                        </div>
                        <ul class="holders">{ holders(g, &mine, &p.view, p.current_reader) }</ul>
                        <p class="wg-sum">
                            { format!("All {} containers: ", p.containers) }
                            <code>{ g.name() }</code>{ " = " }
                            <strong data-testid={group_testid(g)}>{ all.counter }</strong>
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

fn holders(g: Group, s: &GroupState, view: &ContainerView, current: Option<(u32, u64)>) -> Html {
    let mut items: Vec<Html> = Vec::new();
    if s.holders.heartbeat > 0 {
        items.push(html! {
            <li class="holder heartbeat"><span class="chip" aria-hidden="true">{ "♥" }</span>
                { "heartbeat holds 1 and never calls Done()" }</li>
        });
    }
    let left = u64::from(view.leaked_readers);
    let current_holds = s
        .holders
        .reader
        .saturating_sub(if g == Group::Wg { left } else { 0 });
    if let (Some((n, id)), true) = (current, current_holds > 0) {
        items.push(html! {
            <li class="holder reader"><span class="chip" aria-hidden="true">{ "▬" }</span>
                { format!("reader #{n} (goroutine {id}) holds 1 until its stream is closed") }</li>
        });
    }
    if g == Group::Wg && left > 0 {
        items.push(html! {
            <li class="holder left"><span class="chip" aria-hidden="true">{ "✕" }</span>
                { format!("{left} reader(s) left behind hold {left}: their streams were never closed, so they never call Done()") }</li>
        });
    }
    if s.waiters > 0 {
        let since = view
            .stalled_since
            .map(|t| t.to_string())
            .unwrap_or_default();
        items.push(html! {
            <li class="holder waiter"><span class="chip" aria-hidden="true">{ "‖" }</span>
                { format!("rotate() blocked in Wait() since {since}: the counter cannot reach 0") }</li>
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
                            <td class="num">{ r.counter.map(|c| c.to_string()).unwrap_or_else(|| "·".into()) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </details>
    }
}
