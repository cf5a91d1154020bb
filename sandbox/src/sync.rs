//! Locking the sandbox's shared state.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A panic in one handler must not turn every later request into a panic:
/// the guarded data is plain state that stays consistent between statements.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
