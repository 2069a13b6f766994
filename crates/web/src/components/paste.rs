//! "Paste a goroutine dump": a text or a local file (read by the browser's
//! File API, never sent anywhere) parsed and grouped by `leakscope-pprof`,
//! the groups and suspects `leakscope analyze` prints, each linked to the
//! idea of the lesson that explains it.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use leakscope_pprof::DumpAnalysis;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::dom;
use crate::format;
use crate::paste::{
    COLUMNS, Idea, MAX_PASTE_BYTES, MAX_ROWS, about, analyze_bytes, analyze_text, cells,
    example_dump, example_name, summary, too_big,
};

/// What the section shows below its buttons.
#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    /// Working, saying on what.
    Busy(String),
    /// The parser's one-line error (or the size refused).
    Error(String),
    /// The groups and suspects.
    Done {
        analysis: Rc<DumpAnalysis>,
        source: String,
        bytes: usize,
        ms: f64,
    },
}

/// Lets the browser paint the busy line before the work starts.
const PAINT_MS: u32 = 50;

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", format::dec(bytes as f64 / f64::from(1 << 20), 1))
    } else {
        format!("{} KiB", format::dec(bytes as f64 / 1024.0, 1))
    }
}

fn elapsed(ms: f64) -> String {
    if ms >= 1_000.0 {
        format!("{} s", format::dec(ms / 1_000.0, 1))
    } else {
        format!("{} ms", format::dec(ms, 0))
    }
}

/// Parses `text` after the busy line is painted, then shows the result.
fn run(text: String, source: String, status: UseStateHandle<Status>) {
    if let Some(e) = too_big(text.len()) {
        status.set(Status::Error(e));
        return;
    }
    status.set(Status::Busy(format!("Parsing {}…", size(text.len()))));
    Timeout::new(PAINT_MS, move || {
        let t0 = dom::now_ms();
        let result = analyze_text(&text);
        let ms = dom::now_ms() - t0;
        status.set(match result {
            Ok(a) => Status::Done {
                analysis: Rc::new(a),
                source,
                bytes: text.len(),
                ms,
            },
            Err(e) => Status::Error(e),
        });
    })
    .forget();
}

fn textarea_value(node: &NodeRef) -> String {
    node.cast::<web_sys::HtmlTextAreaElement>()
        .map(|t| t.value())
        .unwrap_or_default()
}

fn set_textarea(node: &NodeRef, text: &str) {
    if let Some(t) = node.cast::<web_sys::HtmlTextAreaElement>() {
        t.set_value(text);
    }
}

/// Reads the chosen file (File API, local), fills the text area and parses.
fn read_file(file: web_sys::File, node: NodeRef, status: UseStateHandle<Status>) {
    let name = file.name();
    let bytes = file.size() as usize;
    if let Some(e) = too_big(bytes) {
        status.set(Status::Error(e));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        status.set(Status::Error(
            "This browser cannot read local files.".into(),
        ));
        return;
    };
    status.set(Status::Busy(format!("Reading {name} ({})…", size(bytes))));
    let r = reader.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
        let Ok(buffer) = r.result() else {
            status.set(Status::Error(format!("{name} could not be read.")));
            return;
        };
        let data = js_sys::Uint8Array::new(&buffer).to_vec();
        match String::from_utf8(data) {
            Ok(text) => {
                set_textarea(&node, &text);
                run(text, name, status);
            }
            // Not text: the crate names the line where it stops being text.
            Err(e) => status.set(Status::Error(
                analyze_bytes(e.as_bytes())
                    .err()
                    .unwrap_or_else(|| "not UTF-8 text".into()),
            )),
        }
    });
    reader.set_onload(Some(onload.unchecked_ref()));
    if reader.read_as_array_buffer(&file).is_err() {
        reader.set_onload(None);
    }
}

/// A Go name or path with a line-break opportunity after each `/` and
/// before each `.` and `(`, so long names wrap at their parts (the text is
/// unchanged: `<wbr>` has none).
fn breakable(s: &str) -> Html {
    let mut parts: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let cut = match c {
            '/' => Some(i + 1),
            '.' | '(' if i > 0 => Some(i),
            _ => None,
        };
        if let Some(at) = cut.filter(|&at| at > start && at < s.len()) {
            parts.push(&s[start..at]);
            start = at;
        }
    }
    parts.push(&s[start..]);
    html! { <>{ for parts.into_iter().enumerate().map(|(i, p)| html! { <>{ (i > 0).then(|| html! { <wbr /> }) }{ p }</> }) }</> }
}

fn idea_link(idea: Option<Idea>) -> Html {
    match idea {
        Some(i) => {
            let anchor = i.anchor();
            html! { <a href={anchor.clone()} data-idea={anchor}>{ i.label() }</a> }
        }
        None => html! { <span class="muted">{ "-" }</span> },
    }
}

fn results(a: &DumpAnalysis, source: &str, bytes: usize, ms: f64) -> Html {
    let shown = a.groups.len().min(MAX_ROWS);
    let about = about(a);
    html! {
        <div class="paste-result">
            <p class="paste-summary"><span data-testid="paste-summary">{ summary(a, source) }</span>
                <small data-testid="paste-elapsed">{ format!(" — {} parsed and grouped in {}, in this page", size(bytes), elapsed(ms)) }</small></p>
            if !about.is_empty() {
                <pre class="paste-about" data-testid="paste-about">{ about.join("\n") }</pre>
            }
            <h3>{ "Suspects" }</h3>
            if a.suspects.is_empty() {
                <p data-testid="paste-no-suspects">{ "None: no goroutine marked leaked by Go, no pile of 100 or more blocked at one site, no wait of 10 minutes or more." }</p>
            } else {
                <ul class="paste-suspects" data-testid="paste-suspects">
                    { for a.suspects.iter().map(|s| html! {
                        <li>
                            <span data-testid="paste-suspect">{ s.describe(&a.groups) }</span>
                            { s.question.map(|q| format!(" Ask: {q}")).unwrap_or_default() }
                            <span class="paste-links">{ " — " }
                                <a href={format!("#paste-group-{}", s.group())}>{ format!("group {}", s.group() + 1) }</a>
                                if let Some(i) = Idea::of_suspect(s, &a.groups) {
                                    { ", " }{ idea_link(Some(i)) }
                                }
                            </span>
                        </li>
                    }) }
                </ul>
            }
            <h3>{ "Groups" }</h3>
            <table class="paste-groups" data-testid="paste-groups">
                <thead><tr>
                    { for COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }
                    <th scope="col">{ "in the lesson" }</th>
                </tr></thead>
                <tbody>
                    { for a.groups[..shown].iter().enumerate().map(|(i, g)| {
                        let c = cells(g);
                        html! {
                            <tr id={format!("paste-group-{i}")} data-testid="paste-group">
                                { for c.iter().enumerate().map(|(k, v)| html! {
                                    <td data-label={COLUMNS[k]} class={classes!((k == 0).then_some("num"), (k >= 3).then_some("code-cell"))}>{ if k >= 3 { breakable(v) } else { html! { v } } }</td>
                                }) }
                                <td data-label="in the lesson" class="idea">{ idea_link(Idea::of_group(g)) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if a.groups.len() > shown {
                <p class="muted" data-testid="paste-more">{ format!("… and {} more groups, not listed (the count above covers them all).", format::int((a.groups.len() - shown) as u64)) }</p>
            }
        </div>
    }
}

/// The section.
#[component]
pub fn PasteDump() -> Html {
    let status = use_state(|| Status::Idle);
    let area = use_node_ref();
    let busy = matches!(*status, Status::Busy(_));

    let on_parse = {
        let (status, area) = (status.clone(), area.clone());
        Callback::from(move |_: MouseEvent| {
            run(textarea_value(&area), "pasted text".into(), status.clone());
        })
    };
    let on_example = {
        let (status, area) = (status.clone(), area.clone());
        Callback::from(move |_: MouseEvent| {
            status.set(Status::Busy("Simulating the example…".into()));
            let (status, area) = (status.clone(), area.clone());
            Timeout::new(PAINT_MS, move || match example_dump() {
                Some(text) => {
                    set_textarea(&area, &text);
                    run(text, example_name(), status);
                }
                None => status.set(Status::Error("The example could not be simulated.".into())),
            })
            .forget();
        })
    };
    let on_file = {
        let (status, area) = (status.clone(), area.clone());
        Callback::from(move |e: Event| {
            let file = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                read_file(file, area.clone(), status.clone());
            }
        })
    };
    let on_clear = {
        let (status, area) = (status.clone(), area.clone());
        Callback::from(move |_: MouseEvent| {
            set_textarea(&area, "");
            status.set(Status::Idle);
        })
    };

    html! {
        <section id="paste" class="story-section paste" aria-labelledby="paste-h">
            <h2 id="paste-h"><span class="num" aria-hidden="true">{ "⌕" }</span>{ "Paste a goroutine dump" }</h2>
            <p>{ "Got a dump of your own program? Paste the text of " }<code>{ "/debug/pprof/goroutine?debug=2" }</code>
                { " (or " }<code>{ "debug=1" }</code>{ ", or the " }<code>{ "goroutineleak" }</code>
                { " profile), or open the file. It is parsed and grouped here, in this page, by the same code as " }
                <code>{ "leakscope analyze" }</code>{ ": nothing leaves your browser. Each group and suspect links to the part of the lesson that explains it." }</p>
            <label class="paste-label" for="paste-input">{ "Goroutine dump" }</label>
            <textarea id="paste-input" ref={area} data-testid="paste-input" class="paste-input" rows="8"
                      spellcheck="false" autocomplete="off" wrap="off"
                      placeholder={"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n…"} />
            <div class="paste-actions">
                <button class="primary" data-testid="paste-parse" onclick={on_parse} disabled={busy}>{ "Parse and group" }</button>
                <button data-testid="paste-example" onclick={on_example} disabled={busy}>{ "Try an example" }</button>
                <label class="paste-file">
                    <span>{ "Open a file…" }</span>
                    <input type="file" data-testid="paste-file" accept=".txt,.log,.out,text/plain" onchange={on_file} disabled={busy} />
                </label>
                <button data-testid="paste-clear" onclick={on_clear} disabled={busy}>{ "Clear" }</button>
            </div>
            <p class="muted small">{ format!("Up to {} MiB (a dump of 100,000 goroutines is tens of MB); the example is this page's simulated debug=2 dump of the buggy program, FASE 6, at minute {}.", MAX_PASTE_BYTES >> 20, crate::paste::EXAMPLE_MINUTE) }</p>
            <div aria-live="polite" class="paste-status">
                { match &*status {
                    Status::Idle => html! {},
                    Status::Busy(what) => html! { <p data-testid="paste-busy" class="paste-busy">{ what }</p> },
                    Status::Error(e) => html! {
                        <p class="paste-error" role="alert">
                            if e.starts_with("line ") { <strong>{ "Not a goroutine dump: " }</strong> }
                            <span data-testid="paste-error">{ e }</span></p>
                    },
                    Status::Done { analysis, source, bytes, ms } => results(analysis, source, *bytes, *ms),
                } }
            </div>
        </section>
    }
}
