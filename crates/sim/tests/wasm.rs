//! The same traces on wasm32 as natively: fingerprints of the conformance
//! scenarios against those the native build printed.

#![cfg(target_arch = "wasm32")]

use leakscope_sim::conformance::{parse_fingerprints, scenarios};
use leakscope_sim::{Program, simulate};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn conformance_fingerprints_equal_the_native_ones() {
    let Some(native) = option_env!("LEAKSCOPE_NATIVE_FINGERPRINTS") else {
        panic!(
            "LEAKSCOPE_NATIVE_FINGERPRINTS is not set: run this test through `cargo xtask test`, \
             which sets it to the output of `leakscope fingerprint --conformance`"
        );
    };
    let native = parse_fingerprints(native).unwrap_or_else(|line| panic!("bad line {line:?}"));
    let scenarios = scenarios();
    assert_eq!(native.len(), scenarios.len() * Program::ALL.len());
    for (name, s) in &scenarios {
        for p in Program::ALL {
            let here = simulate(s, p).unwrap().fingerprint();
            let there = native
                .iter()
                .find(|(n, var, _)| n == name && var == p.name())
                .map(|x| x.2)
                .unwrap_or_else(|| panic!("no native fingerprint for {name} {p}"));
            assert_eq!(
                here, there,
                "{name} {p}: wasm32 {here:016x}, native {there:016x}"
            );
        }
    }
}
