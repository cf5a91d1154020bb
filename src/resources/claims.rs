//! Which of several identical objects a lost create made. When resources of
//! one apply create look-alike objects at once (two jobs for one identity,
//! two `hosted_web` configurations), the object a sibling just made looks
//! exactly like the one a lost create may have made. `Claims` keeps, per
//! resource type and provider process, the ids already spoken for, and
//! holds adoptions back until every create in flight has claimed its own.

use crate::api::ApiError;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub(crate) struct Claims {
    /// Objects this process created or adopted.
    claimed: Mutex<HashSet<String>>,
    /// Held shared by every create until its object is claimed, and
    /// exclusively by an adoption while it looks.
    creating: tokio::sync::RwLock<()>,
}

impl Claims {
    /// Runs `create` and claims what it made before any adoption may look.
    pub async fn create<T>(
        &self,
        create: impl Future<Output = Result<T, ApiError>>,
        id: impl Fn(&T) -> &str,
    ) -> Result<T, ApiError> {
        let _creating = self.creating.read().await;
        let made = create.await?;
        self.claimed().insert(id(&made).to_owned());
        Ok(made)
    }

    /// Runs `look` with no create of this process in flight, and claims the
    /// first of its candidates (in the caller's order of preference) that
    /// no other resource has claimed.
    pub async fn adopt<T>(
        &self,
        look: impl Future<Output = Result<Vec<T>, ApiError>>,
        id: impl Fn(&T) -> &str,
    ) -> Result<Option<T>, ApiError> {
        let _no_create_in_flight = self.creating.write().await;
        let candidates = look.await?;
        let mut claimed = self.claimed();
        let found = candidates.into_iter().find(|c| !claimed.contains(id(c)));
        if let Some(c) = &found {
            claimed.insert(id(c).to_owned());
        }
        Ok(found)
    }

    /// What this process has claimed so far.
    pub fn snapshot(&self) -> Vec<String> {
        self.claimed().iter().cloned().collect()
    }

    /// Marks an object read from state as spoken for.
    pub fn claim(&self, id: &str) {
        self.claimed().insert(id.to_owned());
    }

    fn claimed(&self) -> MutexGuard<'_, HashSet<String>> {
        // A panic elsewhere cannot leave the set half-written.
        self.claimed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn id(s: &String) -> &str {
        s
    }

    #[test]
    fn an_object_a_sibling_created_is_never_adopted() {
        run(async {
            let claims = Claims::default();
            let made = claims
                .create(async { Ok::<_, ApiError>("sibling".to_owned()) }, id)
                .await
                .unwrap();
            assert_eq!(made, "sibling");
            let look = async { Ok(vec!["sibling".to_owned(), "mine".to_owned()]) };
            let found = claims.adopt(look, id).await.unwrap();
            assert_eq!(found.as_deref(), Some("mine"));
            let again = async { Ok(vec!["sibling".to_owned(), "mine".to_owned()]) };
            assert_eq!(claims.adopt(again, id).await.unwrap(), None, "claimed once");
        });
    }

    #[test]
    fn an_adoption_waits_for_creates_in_flight() {
        run(async {
            let claims = std::sync::Arc::new(Claims::default());
            let (go, wait) = tokio::sync::oneshot::channel::<()>();
            let creator = {
                let claims = claims.clone();
                async move {
                    claims
                        .create(
                            async move {
                                let _ = wait.await;
                                Ok::<_, ApiError>("sibling".to_owned())
                            },
                            id,
                        )
                        .await
                }
            };
            let adopter = {
                let claims = claims.clone();
                async move {
                    // Started while the create is in flight: it must see
                    // the sibling's object as claimed.
                    tokio::task::yield_now().await;
                    let _ = go.send(());
                    claims
                        .adopt(async { Ok(vec!["sibling".to_owned()]) }, id)
                        .await
                }
            };
            let (made, adopted) = tokio::join!(creator, adopter);
            assert_eq!(made.unwrap(), "sibling");
            assert_eq!(adopted.unwrap(), None);
        });
    }
}
