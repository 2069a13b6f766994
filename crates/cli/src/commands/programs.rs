//! `leakscope programs`: every program the core knows, with what it costs
//! and, on request, its Go text.

use leakscope_sim::Program;

use crate::cli::ProgramsArgs;
use crate::output::print;

/// `programs`: every program the core knows, with what it costs.
pub fn run(args: &ProgramsArgs) -> anyhow::Result<()> {
    let mut text = String::new();
    for p in Program::ALL {
        let def = p.def();
        text.push_str(&format!("{:<13} {}\n", p.name(), def.title));
        for line in crate::table::wrap(def.summary, 64) {
            text.push_str(&format!("{:<13} {line}\n", ""));
        }
        if args.source {
            text.push('\n');
            text.push_str(p.source());
        }
        text.push('\n');
    }
    print(&text)
}
