//! "The fixes people try": the programs between the seed's bug and its fix,
//! each with its change against the bug as a diff, what it costs in the
//! numbers, and a static first frame (goroutines and log lines over the
//! whole FASE 6 run) that tells the story with no interaction.
//!
//! Every program of [`Program::ALL`] with a [`Story`] is one: its heading,
//! chart and paragraph are the core's (the program's own file), its
//! paragraph's figures read from the runs; this module only lays them out.

use std::rc::Rc;

use leakscope_sim::Program;
use leakscope_sim::code::{Change, diff};
use leakscope_sim::programs::Groups;
use leakscope_sim::story::Story;
use yew::prelude::*;

use super::minichart::MiniChart;
use super::story::{esc, raw};
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

/// The element id of `program`'s story in the lesson (`fix-close-only`).
pub fn story_anchor(program: Program) -> String {
    format!("fix-{program}")
}

/// The program whose story the lesson shows at element id `id`.
pub fn story_at(id: &str) -> Option<Program> {
    let program: Program = id.strip_prefix("fix-")?.parse().ok()?;
    program.story().map(|_| program)
}

/// How many fixes the section's opening counts, and what they share.
fn opening(tries: &[(Program, &Story, String)]) -> String {
    let count = match tries.len() {
        1 => "One fix suggests itself",
        2 => "Two fixes suggest themselves",
        _ => "Fixes suggest themselves",
    };
    let shared = tries.iter().all(|(p, _, _)| p.groups() == Groups::Shared);
    let keep = match (shared, tries.len()) {
        (false, _) => "",
        (true, 1) => "; it keeps the one <code>wg</code>",
        (true, 2) => "; both keep the one <code>wg</code>",
        (true, _) => "; all keep the one <code>wg</code>",
    };
    format!(
        r#"<h2><span class="num" aria-hidden="true">5</span>What the other fixes get wrong</h2><p>{count} before the real one. Each is a program here, run on FASE 6 with the same random seed{keep}.</p>"#
    )
}

/// One fix people try: its heading, its diff, its chart and its paragraph
/// with the lab's link.
fn attempt(runs: &Rc<Runs>, program: Program, story: &Story, text: &str) -> Html {
    let link = format!(
        "lab.html?preset=fase6&left={program}&right={}&t={}&container=0#lab",
        story.beside, story.lab_minute
    );
    let id = story_anchor(program);
    html! {
        <article id={id.clone()} class="fix-try" data-testid={id}>
            { raw(format!("<h3><code>{program}</code>: {}</h3>", esc(&story.heading(program)))) }
            { diff_view(story.base, program) }
            <MiniChart runs={runs.clone()} programs={story.charted(program)}
                       measure={story.measure} title={story.chart_title} />
            { raw(format!(r#"<p>{} <a href="{}">In the lab →</a></p>"#, esc(text), link.replace('&', "&amp;"))) }
        </article>
    }
}

/// The "fixes people try" section: every program of [`Program::ALL`] with
/// a story, told from the runs.
#[component]
pub fn Fixes(p: &FixesProps) -> Html {
    let runs = &p.runs;
    let mut tries = Vec::new();
    for program in Program::ALL {
        if let Some(story) = program.story()
            && let Some(text) = (story.text)(program, runs)
        {
            tries.push((program, story, text));
        }
    }
    if tries.is_empty() {
        return html! {};
    }
    html! {
        <section id="fixes" class="story-section fixes">
            { raw(opening(&tries)) }
            <div class="two-col">
                { for tries.iter().map(|(program, story, text)| attempt(runs, *program, story, text)) }
            </div>
        </section>
    }
}
