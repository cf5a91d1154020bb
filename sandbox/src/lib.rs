//! `enroll-sandbox`: a local, stateful stand-in for the Beyond Identity v1
//! API and the Transmit BindID management API on one loopback origin, with
//! an outbox of every link it "sent" and controls for tests (faults, rate
//! limit, clock, the batch queue's rate and limit, identities by the
//! thousand).
//!
//! In tests, start one with [`SandboxHandle::spawn`]; the binary serves one
//! with [`serve`].
//!
//! `beyond_identity/` and `bindid/` each play one vendor and render its
//! errors (`beyond_identity/batch_worker.rs` is the task that makes batch
//! jobs in the background); `http/` is the plumbing both share (server, the
//! middleware that injects faults and the rate limit, strict bodies,
//! OAuth); `harness/` is what tests and the binary drive the sandbox with;
//! `ui/` is what a person sees. `sandbox.rs` (the handle every handler
//! receives), `state/` (the vendors' data), `ids.rs` and `sync.rs` stay at
//! the top: they are shared across those layers, not part of one.

mod beyond_identity;
mod bindid;
mod harness;
mod http;
mod ids;
mod sandbox;
mod state;
mod sync;
mod ui;

pub use harness::faults::{Fault, FaultMode};
pub use harness::handle::{SandboxConfig, SandboxHandle};
pub use harness::requests::{RequestRecord, Vendor};
pub use harness::seed::{Seed, SeedIdentity};
pub use http::server::serve;
pub use sandbox::Sandbox;
pub use ui::outbox::{OutboxKind, OutboxMessage};
