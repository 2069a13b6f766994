//! `docs/model.md` quotes the programs the engine runs, character for
//! character.

#![cfg(not(target_arch = "wasm32"))]

use leakscope_sim::{Program, code};

#[test]
fn model_doc_quotes_the_core_programs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/model.md");
    let doc = std::fs::read_to_string(path).expect("docs/model.md exists");
    for p in Program::ALL {
        let block = format!("```go\n{}```", code::source(p));
        assert!(
            doc.contains(&block),
            "docs/model.md does not quote the {p} program as the core has it"
        );
    }
}
