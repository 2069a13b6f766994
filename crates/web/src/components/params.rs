//! Parameters, presets and the selected container. A change re-simulates
//! every program at once.

use leakscope_sim::{Param, Preset, Scenario};
use yew::prelude::*;

use crate::format;
use crate::state::{Action, MAX_PAGE_CONTAINERS};

/// Props of [`Params`].
#[derive(Properties, PartialEq)]
pub struct ParamsProps {
    /// The scenario running.
    pub scenario: Scenario,
    /// The preset it started from.
    pub preset: Preset,
    /// The selected container.
    pub container: u32,
    /// How long the last re-simulation took, ms.
    pub resim_ms: f64,
    /// Changes.
    pub dispatch: Callback<Action>,
}

struct Field {
    param: Param,
    key: &'static str,
    label: &'static str,
    value: String,
    /// The input's `min`, `max` and `step`, from the core's
    /// [`Param::input`].
    attrs: (String, String, &'static str),
    help: String,
}

/// The parameter form.
#[component]
pub fn Params(p: &ParamsProps) -> Html {
    let s = &p.scenario;
    let (fields, advanced) = fields(s);
    let is_preset = Preset::ALL.iter().any(|pr| pr.scenario() == *s);
    html! {
        <div class="params">
            <div class="params-top">
                <div class="presets" role="group" aria-label="Presets">
                    { preset_button(Preset::Fase3, "FASE 3", s, &p.dispatch) }
                    { preset_button(Preset::Fase6, "FASE 6", s, &p.dispatch) }
                </div>
                { container_pick(p) }
            </div>
            <details class="param-fields" open={!is_preset}>
                <summary>{ "Parameters: " }<span class="muted">{ summary(s) }</span></summary>
                <form class="fields" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                    { for fields.into_iter().map(|f| field(f, &p.dispatch)) }
                    <details class="advanced">
                        <summary>{ "More parameters" }</summary>
                        { for advanced.into_iter().map(|f| field(f, &p.dispatch)) }
                    </details>
                </form>
                <p class="muted small">{ format!("All {} programs re-simulated in {} ms.", leakscope_sim::Program::ALL.len(), format::dec(p.resim_ms, 1)) }</p>
            </details>
        </div>
    }
}

/// One field: its label, its input (typed and bounded as the core says)
/// and its help.
fn field(f: Field, dispatch: &Callback<Action>) -> Html {
    let d = dispatch.clone();
    let param = f.param;
    let onchange = Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        d.emit(Action::SetParam(param, input.value()));
    });
    let id = format!("param-{}", f.key);
    let (min, max, step) = f.attrs;
    html! {
        <div class="field">
            <label for={id.clone()}>{ f.label }</label>
            <input id={id} name={f.key} type={if step.is_empty() { "text" } else { "number" }}
                   inputmode={match (param, step.is_empty()) {
                       (Param::StopAt, _) => "text",
                       (_, true) => "numeric",
                       (_, false) => "decimal",
                   }}
                   min={min} max={max} step={step} value={f.value} {onchange}
                   data-param={f.key} />
            <small>{ f.help }</small>
        </div>
    }
}

/// The form's fields, and the advanced ones, for scenario `s`.
fn fields(s: &Scenario) -> ([Field; 8], [Field; 2]) {
    let fields = [
        Field {
            param: Param::Containers,
            key: "containers",
            label: "Containers",
            value: s.containers.to_string(),
            attrs: (Param::Containers.input().0, MAX_PAGE_CONTAINERS.to_string(), "1"),
            help: format!("1 to {MAX_PAGE_CONTAINERS}"),
        },
        Field {
            param: Param::Minutes,
            key: "minutes",
            label: "Minutes",
            value: s.minutes.to_string(),
            attrs: Param::Minutes.input(),
            help: Param::Minutes.allowed(),
        },
        Field {
            param: Param::Rotation,
            key: "rotation",
            label: "Rotation period (min)",
            value: (f64::from(s.rotation_secs) / 60.0).to_string(),
            attrs: Param::Rotation.input(),
            help: format!("now {}", format::period(s.rotation_secs)),
        },
        Field {
            param: Param::ErrorRate,
            key: "error_rate",
            label: "Stream error rate",
            value: s.error_rate.to_string(),
            attrs: Param::ErrorRate.input(),
            help: format!("chance a stream has failed when its rotation is due, {}", Param::ErrorRate.allowed()),
        },
        Field {
            param: Param::GoroutinesPerReader,
            key: "goroutines_per_reader",
            label: "Goroutines per open stream",
            value: s.goroutines_per_reader.to_string(),
            attrs: Param::GoroutinesPerReader.input(),
            help: format!("the reader plus its stream's handlers, healthy or failed, from open to close; {}", Param::GoroutinesPerReader.allowed()),
        },
        Field {
            param: Param::LinesPerMin,
            key: "lines_per_min",
            label: "Log lines per minute",
            value: s.get(Param::LinesPerMin),
            attrs: Param::LinesPerMin.input(),
            help: format!("each container writes; {}", Param::LinesPerMin.allowed()),
        },
        Field {
            param: Param::StopAt,
            key: "stop_at",
            label: "Stop() at minute",
            value: s.get(Param::StopAt),
            attrs: Param::StopAt.input(),
            help: format!(
                "0 to {}, or none (empty): when the monitor shuts down",
                s.minutes
            ),
        },
        Field {
            param: Param::Seed,
            key: "seed",
            label: "Random seed",
            value: s.seed.to_string(),
            attrs: Param::Seed.input(),
            help: "any whole number: it decides which streams fail (not the seed document); same seed, same faults in every program".to_owned(),
        },
    ];
    let advanced = [
        Field {
            param: Param::Heartbeat,
            key: "heartbeat",
            label: "Heartbeat period (s)",
            value: s.heartbeat_secs.to_string(),
            attrs: Param::Heartbeat.input(),
            help: "changes the dumps, not the counts".to_owned(),
        },
        Field {
            param: Param::Baseline,
            key: "baseline",
            label: "Baseline goroutines",
            value: s.baseline_goroutines.to_string(),
            attrs: Param::Baseline.input(),
            help: "main, runtime, debug server".to_owned(),
        },
    ];
    (fields, advanced)
}

/// A preset's button, pressed while the scenario is the preset's.
fn preset_button(
    preset: Preset,
    label: &'static str,
    s: &Scenario,
    dispatch: &Callback<Action>,
) -> Html {
    let d = dispatch.clone();
    let ps = preset.scenario();
    let what = format!(
        "{} containers, {} min, {}",
        ps.containers,
        ps.minutes,
        if ps.error_rate == 0.0 {
            "streams never fail".to_owned()
        } else {
            format!("{}% of streams fail", format::dec(ps.error_rate * 100.0, 0))
        }
    );
    let active = preset.scenario() == *s;
    html! {
        <button class={classes!("preset", active.then_some("active"))} aria-pressed={active.to_string()}
                onclick={Callback::from(move |_: MouseEvent| d.emit(Action::SetPreset(preset)))}>
            <strong>{ label }</strong><small>{ what }</small>
        </button>
    }
}

/// The selected container's picker: ‹ and › step through the containers.
fn container_pick(p: &ParamsProps) -> Html {
    let s = &p.scenario;
    let select = {
        let d = p.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(c) = input.value().trim().parse::<u32>() {
                d.emit(Action::Select(c));
            }
        })
    };
    let nudge = |delta: i64| {
        let d = p.dispatch.clone();
        let (c, n) = (i64::from(p.container), i64::from(s.containers));
        Callback::from(move |_: MouseEvent| {
            d.emit(Action::Select((c + delta).rem_euclid(n) as u32));
        })
    };
    html! {
        <div class="field container-pick">
            <label for="param-container">{ "Selected container" }</label>
            <div class="row">
                <button onclick={nudge(-1)} aria-label="Previous container">{ "‹" }</button>
                <input id="param-container" type="number" min="0"
                       max={(s.containers - 1).to_string()} value={p.container.to_string()}
                       onchange={select} />
                <button onclick={nudge(1)} aria-label="Next container">{ "›" }</button>
            </div>
            <small>{ format!("0 to {}; or click a lane", s.containers - 1) }</small>
        </div>
    }
}

/// The scenario in one line, for the folded form.
fn summary(s: &Scenario) -> String {
    format!(
        "{} containers · {} min · rotation {} · error rate {} · {} goroutines per open stream (reader and handlers) · {} lines/min · Stop() {} · random seed {}",
        s.containers,
        s.minutes,
        format::period(s.rotation_secs),
        s.error_rate,
        s.goroutines_per_reader,
        s.lines_per_min,
        s.stop_at.map_or_else(
            || "never".to_owned(),
            |m| format!("at {}", format::minute(m))
        ),
        s.seed
    )
}
