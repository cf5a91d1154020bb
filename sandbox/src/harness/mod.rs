//! What tests and the binary drive the sandbox with: the in-process handle,
//! the `/_sandbox` controls, injected faults, the request log, the clock,
//! the seed and bulk identities.

pub(crate) mod clock;
pub(crate) mod controls;
pub(crate) mod faults;
pub(crate) mod handle;
pub(crate) mod population;
pub(crate) mod requests;
pub(crate) mod seed;
