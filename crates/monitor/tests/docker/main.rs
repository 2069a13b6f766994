//! The real monitor against a real Docker engine: the fixed program follows
//! containers across rotations with a bounded census and loses or repeats
//! no line, through kills, restarts, pauses, late containers, an engine
//! restart and a socket missing at start; 40 KiB lines come out whole, and
//! interleaved stdout and stderr lose and double nothing; the buggy program
//! stalls; and through the half-open proxy every program's census equals
//! the formula for the realized faults and the simulation of the same
//! schedule at every rotation period, live on `/metrics` and `/debug/tasks`.
//!
//! Needs a running engine (`dockerd`) on `DOCKER_HOST` or
//! `/var/run/docker.sock`; the harness builds the emitter image itself
//! (`leakscope-emitter`, static, `FROM scratch`). Without an engine the
//! tests print "skipped: no docker engine" and pass, except under
//! `CI=true`, where they fail.

mod following;
mod half_open;
mod harness;
mod lines;
