//! Creates whose answer was lost. The request was sent, but no answer says
//! whether the server did the work (a timeout, a 502, a dropped
//! connection). Sending again could email a person twice; giving up could
//! leave an object Terraform does not know about, which later applies then
//! trip over. So the provider looks for what the attempt made, at once and
//! again after the server has had time to finish a request it may still be
//! processing. When it still cannot tell, it stores the resource with a
//! warning and an `Attempt` (`models::attempt`) in its private state, and the next refresh
//! decides, with the server long done: adopt what the attempt made, or
//! forget the resource so that the next plan creates it once.

use crate::api::ApiError;
use crate::logging;
use crate::models::attempt::Attempt;
use std::future::Future;
use std::time::Duration;
use tf_provider::Diagnostics;

/// Bounds of the wait before the second look.
const MIN_SETTLE: Duration = Duration::from_secs(1);
const MAX_SETTLE: Duration = Duration::from_secs(30);

/// How long to wait before looking again, given how long the lost request
/// took: a server that was busy with it that long (a timeout, a gateway
/// that gave up) may be busy as long again; one that failed at once has
/// answered and is done.
pub(crate) fn settle_time(took: Duration) -> Duration {
    took.clamp(MIN_SETTLE, MAX_SETTLE)
}

/// Looks for what a lost create made, at once and, when nothing is found
/// (or the look fails), once more after `settle`: a server still working
/// on the abandoned request must not be taken for one that never got it.
pub(crate) async fn look_twice<T, F, Fut>(
    settle: Duration,
    mut look: F,
) -> Result<Option<T>, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ApiError>>,
{
    if let Ok(Some(found)) = look().await {
        return Ok(Some(found));
    }
    tokio::time::sleep(settle).await;
    look().await
}

/// Before a refresh decides about `attempt`: waits until the server has
/// had time to finish the lost request, however soon after the apply that
/// lost it this refresh runs.
pub(crate) async fn quiet(module: &str, attempt: &Attempt) {
    let wait = attempt.wait_left(time::OffsetDateTime::now_utc());
    if !wait.is_zero() {
        logging::warn(
            module,
            "waiting for the server to finish a create whose answer was lost",
            &[("wait_ms", (wait.as_millis() as u64).into())],
        );
        tokio::time::sleep(wait).await;
    }
}

/// Logs the lost answer, for `TF_LOG_PROVIDER` readers.
pub(crate) fn log_lost(module: &str, err: &ApiError) {
    logging::warn(
        module,
        "create failed after the request may have been sent; looking for what it made",
        &[("error", err.to_string().into())],
    );
}

/// The warning a resource stored unresolved carries: what happened, and
/// that the next plan or apply settles it by itself.
pub(crate) fn warn_unresolved(
    diags: &mut Diagnostics,
    what: &str,
    consequence: &str,
    err: &ApiError,
    look: Option<&ApiError>,
) {
    let looked = match look {
        Some(e) => format!("looking for it failed too ({e})"),
        None => "it was not found, even after waiting for the server".to_owned(),
    };
    diags.root_warning(
        format!("Not known whether the {what} was created"),
        format!(
            "The create request's answer was lost ({err}) and {looked}. It is recorded \
             without an id and {consequence} The next plan or apply resolves it on its own: \
             it adopts what this attempt made, or, if nothing was made, creates it once."
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_look_waits_and_the_settle_time_is_bounded() {
        assert_eq!(settle_time(Duration::from_millis(20)), MIN_SETTLE);
        assert_eq!(settle_time(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(settle_time(Duration::from_secs(300)), MAX_SETTLE);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut looks = 0;
            let started = tokio::time::Instant::now();
            let found = look_twice(Duration::from_secs(2), || {
                looks += 1;
                let n = looks;
                async move { Ok::<_, ApiError>((n == 2).then_some("made late")) }
            })
            .await
            .unwrap();
            assert_eq!(found, Some("made late"));
            assert_eq!(looks, 2);
            assert!(started.elapsed() >= Duration::from_secs(2));
        });
    }
}
