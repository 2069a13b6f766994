//! "The fixes people try": the programs between the seed's bug and its fix,
//! each with its change against the bug as a diff, what it costs in the
//! numbers, and a static first frame (goroutines and log lines over the
//! whole FASE 6 run) that tells the story with no interaction.
//!
//! Every figure in the prose is read from the runs; the prose itself names
//! what each program shows (the two the core ships: `close-only` and
//! `wait-timeout`).

use std::rc::Rc;

use leakscope_sim::Program;
use leakscope_sim::code::{Change, diff};
use yew::prelude::*;

use super::minichart::{Measure, MiniChart};
use super::story::raw;
use crate::format::{int, minute, signed};
use crate::state::Runs;

/// Props of [`Fixes`].
#[derive(Properties, PartialEq)]
pub struct FixesProps {
    /// Every program on FASE 6.
    pub runs: Rc<Runs>,
}

/// Lines of context around each change in a diff.
const CONTEXT: usize = 1;

/// The diff from `a` to `b` in `rotate()`, where the fixes differ (the
/// build tag, the type's comment and `Stop()` are left to the lab), `−`
/// removed, `+` added.
pub fn diff_view(a: Program, b: Program) -> Html {
    let from = leakscope_sim::code::line_of(b, leakscope_sim::code::Anchor::CheckErr);
    let to = leakscope_sim::code::line_of(b, leakscope_sim::code::Anchor::Reopen);
    let hunks: Vec<_> = diff(a, b, CONTEXT)
        .into_iter()
        .filter(|h| {
            h.iter()
                .filter_map(|l| l.new)
                .any(|n| (from..=to).contains(&n))
        })
        .collect();
    let label = format!("What {b} changes in {a}: removed lines marked −, added lines +");
    html! {
        <figure class="diff-figure">
            <figcaption>{ "rotate() in " }<code>{ b.def().file }</code>{ format!(" against {}: ", a.def().file) }
                <span class="removed-key">{ "− removed" }</span>{ " " }<span class="added-key">{ "+ added" }</span></figcaption>
            <pre class="code diff" aria-label={label} data-testid={format!("diff-{b}")}><code>
                { for hunks.iter().enumerate().map(|(i, hunk)| html! {
                    <>
                        if i > 0 { <span class="line gap" aria-hidden="true"><span class="ln"></span><span class="src">{ "⋯" }</span>{ "\n" }</span> }
                        { for hunk.iter().map(|l| {
                            let (class, sign) = match l.change {
                                Change::Same => ("same", " "),
                                Change::Removed => ("removed", "−"),
                                Change::Added => ("added", "+"),
                            };
                            // Line numbers of the program shown, `b`.
                            html! {
                                <span class={classes!("line", class)}>
                                    <span class="ln" aria-hidden="true">{ l.new.map(|n| n.to_string()).unwrap_or_default() }</span>
                                    <span class="sign">{ sign }</span>
                                    <span class="src">{ l.text }</span>{ "\n" }
                                </span>
                            }
                        }) }
                    </>
                }) }
            </code></pre>
        </figure>
    }
}

/// The "fixes people try" section.
#[component]
pub fn Fixes(p: &FixesProps) -> Html {
    let runs = &p.runs;
    let s = &runs.scenario;
    let n = u64::from(s.containers);
    let last = |prog: Program| runs.trace(prog).samples().last().cloned();
    let (Some(close), Some(timeout), Some(buggy), Some(fixed)) = (
        last(Program::CLOSE_ONLY),
        last(Program::WAIT_TIMEOUT),
        last(Program::BUGGY),
        last(Program::FIXED),
    ) else {
        return html! {};
    };
    let close_trace = runs.trace(Program::CLOSE_ONLY);
    let close_start = close_trace.samples().first().map_or(0, |x| x.goroutines);
    // The minute at which every container is stuck, and the lines read by
    // then: all the close-only monitor ever reads.
    let all_stuck = close_trace
        .samples()
        .iter()
        .find(|x| x.stalled_containers == n)
        .map(|x| (x.minute, x.lines_read));
    let timeout_a = runs.trace(Program::WAIT_TIMEOUT).analysis();
    let close_a = close_trace.analysis();
    let rotations = s.rotations_per_container();
    let per = timeout.by_role.helper as f64 / (n * rotations.max(1)) as f64;
    let timeout_secs = Program::WAIT_TIMEOUT
        .wait_timeout()
        .map_or(0, |t| t.as_millis() / 1_000);
    let link = |left: Program, t: u32| {
        format!("lab.html?preset=fase6&left={left}&right=fixed&t={t}&container=0#lab")
    };
    let close_text = format!(
        r#"<p>Nothing is left behind, so the count never grows ({} → {}, slope {}/min: the count test passes). But the group is still shared: at its first healthy rotation each container blocks in Wait() until Stop(). {} <a href="{}">In the lab →</a></p>"#,
        int(close_start),
        int(close.goroutines),
        signed(close_a.growth_per_min, 2),
        match all_stuck {
            Some((m, lines)) => format!(
                "By {} all {} containers are stuck: {} lines read before, {} after; the fix reads {}.",
                minute(m),
                n,
                int(lines),
                int(close.lines_read - lines),
                int(fixed.lines_read)
            ),
            None => format!(
                "{} of {} containers end stuck in Wait(), {} silent.",
                close.stalled_containers, n, close.silent_containers
            ),
        },
        link(Program::CLOSE_ONLY, 6).replace('&', "&amp;"),
    );
    let timeout_text = format!(
        r#"<p>The logs flow ({} lines read; {} containers went a rotation without a line; each rotation waits {timeout_secs} s for the helper before it reopens), but the helper waits on the same group and never returns: one helper left behind per rotation, {} = {} containers × {} rotations × {}, {} goroutines in all (slope {}/min: {}). Fewer than the bug's {}, and a dump shows a different goroutine, leaking all the same. <a href="{}">In the lab →</a></p>"#,
        int(timeout.lines_read),
        timeout.silent_containers,
        int(timeout.by_role.helper),
        n,
        rotations,
        crate::format::dec(per, 0),
        int(timeout.goroutines),
        signed(timeout_a.growth_per_min, 2),
        timeout_a.verdict,
        int(buggy.goroutines),
        link(Program::WAIT_TIMEOUT, 10).replace('&', "&amp;"),
    );
    html! {
        <section id="fixes" class="story-section fixes">
            { raw(r#"<h2><span class="num" aria-hidden="true">5</span>What the other fixes get wrong</h2><p>Two fixes suggest themselves before the real one. Each is a program here, run on FASE 6 with the same random seed; both keep the one <code>wg</code>.</p>"#.to_owned()) }
            <div class="two-col">
            <article id="fix-close-only" class="fix-try" data-testid="fix-close-only">
                { raw(r#"<h3><code>close-only</code>: always close, always wait</h3>"#.to_owned()) }
                { diff_view(Program::BUGGY, Program::CLOSE_ONLY) }
                <MiniChart runs={runs.clone()} programs={vec![Program::FIXED, Program::CLOSE_ONLY]}
                           measure={Measure::LinesRead} title="Log lines read: close-only stops reading" />
                { raw(close_text) }
            </article>
            <article id="fix-wait-timeout" class="fix-try" data-testid="fix-wait-timeout">
                { raw(format!(r#"<h3><code>wait-timeout</code>: wait, but only {timeout_secs} seconds</h3>"#)) }
                { diff_view(Program::BUGGY, Program::WAIT_TIMEOUT) }
                <MiniChart runs={runs.clone()} programs={vec![Program::FIXED, Program::BUGGY, Program::WAIT_TIMEOUT]}
                           measure={Measure::Goroutines} title="Goroutines: the leak moved, not gone" />
                { raw(timeout_text) }
            </article>
            </div>
        </section>
    }
}
