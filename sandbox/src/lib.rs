//! `enroll-sandbox`: a local, stateful stand-in for the Beyond Identity v1
//! API and the Transmit BindID management API on one loopback origin, with
//! an outbox of every link it "sent" and controls for tests (faults, rate
//! limit, clock).
//!
//! In tests, start one with [`SandboxHandle::spawn`]; the binary serves one
//! with [`serve`].

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
